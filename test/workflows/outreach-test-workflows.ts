import { proxyActivities } from '@temporalio/workflow';
import type { DeliveryResult, OutreachRequestInput } from '../../common/outreach/contract';

/**
 * Test-only workflow: delivers one outreach request through the real `deliverOutreach`
 * activity with a short retry policy, optionally on another task queue (a worker in a
 * child process that the test can kill).
 */
export interface DeliverOnceOptions {
  activityTaskQueue?: string;
  startToCloseSeconds?: number;
  /** The dev server rounds retry delays below about a second up, so backoff shows from 1 s on. */
  initialIntervalMs?: number;
}

export async function deliverOnce(
  request: OutreachRequestInput,
  options: DeliverOnceOptions = {},
): Promise<DeliveryResult> {
  const { deliverOutreach } = proxyActivities<{
    deliverOutreach(request: OutreachRequestInput): Promise<DeliveryResult>;
  }>({
    taskQueue: options.activityTaskQueue,
    startToCloseTimeout: `${options.startToCloseSeconds ?? 10}s`,
    retry: {
      initialInterval: options.initialIntervalMs ?? 1000,
      backoffCoefficient: 2,
      maximumInterval: '8s',
      maximumAttempts: 30,
    },
  });
  return deliverOutreach(request);
}
