// Every workflow the Kept worker runs. The worker bundles this file.
export { customerJourney } from './journey/journey-workflow';
export { orderJourney } from './order/order-workflow';
export { serviceCase } from './case/case-workflow';
export { promiseWorkflow } from './promise/promise-workflow';
export { proactiveSweep } from './sweep/sweep-workflow';
export { staffDigest } from './staff/digest-workflow';
