import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { KeptClient } from '../client/kept-client';
import { PromiseClient } from '../client/promises';
import { caseWorkflowId, journeyWorkflowId, orderWorkflowId, promiseWorkflowId } from '../common/ids';
import type { LifecycleEventInput } from '../common/events';
import { keptSearchAttributes } from '../common/search-attributes';
import { temporalCliPath } from '../common/tools';
import { startCaptureServer } from '../mail/capture-server';
import { requestContactUpdate } from '../workflows/journey/messages';
import { outreachDependencies, shippedProfiles, temporaryDirectory } from '../test/helpers/outreach';
import { createKeptWorker } from '../workers/worker';

/**
 * Records real histories of Kept's workflows for the replay tests
 * (`test/fixtures/histories/<label>/*.json`). Run it before changing workflow code:
 *   npx tsx scripts/record-histories.ts <label>
 * The replay test then proves that the changed code (guarded with patched()) still replays
 * what the earlier code wrote.
 */
async function main(label: string): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: [...keptSearchAttributes],
    },
  });
  const tmp = temporaryDirectory('kept-record-');
  const smtp = await startCaptureServer({ port: 0, host: '127.0.0.1', directory: path.join(tmp.path, 'mail') });
  const taskQueue = 'record-histories';
  const worker = await createKeptWorker({
    connection: env.nativeConnection,
    client: env.client,
    namespace: 'default',
    taskQueue,
    activityDependencies: { outreach: outreachDependencies({ smtpPort: smtp.port }) },
  });
  try {
    await worker.runUntil(
      scenario(env.client, taskQueue, path.resolve(__dirname, '../test/fixtures/histories', label)),
    );
  } finally {
    await smtp.close();
    await env.teardown();
    tmp.remove();
  }
}

async function scenario(client: Client, taskQueue: string, outDir: string): Promise<void> {
  const brand = 'nordhem';
  const customerId = 'c-recorded';
  const kept = new KeptClient({ client, taskQueue });
  const now = Date.now();
  let n = 0;
  const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
  const event = (type: string, hoursAgo: number, fields: Record<string, unknown> = {}) =>
    ({ type, eventId: `rec-${++n}`, brand, customerId, occurredAt: at(hoursAgo), ...fields }) as LifecycleEventInput;

  await kept.recordEvent(
    event('profile.updated', 100, { name: 'Ada', email: 'ada@example.com', timezone: 'Europe/London' }),
  );
  await kept.recordEvent(event('product.viewed', 90, { sku: 'sofa-3' }));
  const items = [{ sku: 'sofa-3', name: 'Sofa', category: 'furniture', price: 899, warrantyEndsAt: at(-24 * 700) }];
  await kept.recordEvents([
    event('order.placed', 80, { orderId: 'o-1', items, promisedDeliveryAt: at(10) }),
    event('shipment.dispatched', 60, { orderId: 'o-1' }),
    event('shipment.delayed', 50, { orderId: 'o-1', newEstimatedDeliveryAt: at(2) }),
  ]);
  await kept.recordEvent(event('shipment.delivered', 1, { orderId: 'o-1' }));
  await kept.recordEvent(
    event('issue.reported', 0.5, { caseId: 'k-1', orderId: 'o-1', category: 'damage', summary: 'scratch' }),
  );
  await kept.recordEvent(event('case.resolved', 0.2, { caseId: 'k-1', outcome: 'resolved', rootCause: 'packaging' }));
  const journey = client.workflow.getHandle(journeyWorkflowId(brand, customerId));
  await journey.executeUpdate(requestContactUpdate, {
    args: [
      {
        key: 'recorded/thanks',
        template: 'order.confirmation',
        category: 'transactional',
        reason: 'your order',
        data: { orderId: 'o-1' },
      },
    ],
  });
  const promises = new PromiseClient({ client, taskQueue, profiles: shippedProfiles() });
  await promises.makePromise({
    brand,
    customerId,
    promiseId: 'p-recorded',
    text: 'call you back about the scratch',
    kind: 'callback',
    owner: { kind: 'person', id: 'sam' },
    due: { within: 'P1D' },
    channel: 'phone',
    insist: true,
  });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await promises.fulfilPromise(brand, 'p-recorded', { note: 'called' });
  await new Promise((resolve) => setTimeout(resolve, 3_000));

  mkdirSync(outDir, { recursive: true });
  for (const [name, workflowId] of [
    ['journey', journeyWorkflowId(brand, customerId)],
    ['order', orderWorkflowId(brand, 'o-1')],
    ['case', caseWorkflowId(brand, 'k-1')],
    ['promise', promiseWorkflowId(brand, 'p-recorded')],
  ] as const) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    writeFileSync(path.join(outDir, `${name}.json`), historyToJSON(history));
    console.log(`recorded ${name}: ${history.events?.length} events`);
  }
}

main(process.argv[2] ?? 'baseline').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
