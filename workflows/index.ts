// Every workflow the Kept worker runs. The worker bundles this file.
export { customerJourney } from './journey/journey-workflow';
