import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SqliteBrandStatistics } from '../activities/anticipation/brand-statistics';
import { configAnnouncer } from '../client/config-announcer';
import { outlookAnnouncer } from '../client/outlook-announcer';
import { KeptClient } from '../client/kept-client';
import { loadKeptEnv, projectPath } from '../common/config';
import { PromiseClient } from '../client/promises';
import { caseWorkflowId, journeyWorkflowId, orderWorkflowId, promiseWorkflowId } from '../common/ids';
import type { LifecycleEventInput } from '../common/events';
import { keptSearchAttributes } from '../common/search-attributes';
import { temporalCliPath } from '../common/tools';
import { startCaptureServer } from '../mail/capture-server';
import { caseResponsePromiseId, deliveryPromiseId } from '../workflows/journey/implicit-promises';
import { requestContactUpdate } from '../workflows/journey/messages';
import { proactiveSweep } from '../workflows/sweep/sweep-workflow';
import { patchCoverage, patchIdsInSource, recordedHistories } from '../test/helpers/patch-coverage';
import { zoneWhereItIsAt } from '../test/helpers/temporal';
import { outreachDependencies, shippedProfiles, temporaryDirectory } from '../test/helpers/outreach';
import { createKeptWorker } from '../workers/worker';

/**
 * Records real histories of Kept's workflows for the replay tests
 * (`test/fixtures/histories/<label>/*.json`). Run it before changing workflow code:
 *   npx tsx scripts/record-histories.ts <label>
 * The replay test then proves that the changed code (guarded with patched()) still replays
 * what the earlier code wrote. Run it again after adding a patch, so a set goes through the
 * new branch: the script prints which patch ids its histories cover, and the replay test
 * fails for a patch id that no recorded history covers. Takes about two minutes (real time:
 * a promise is left to breach).
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
    activityDependencies: { outreach: outreachDependencies({ smtpPort: smtp.port }), statistics },
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

/**
 * Events go with the config hash, as the API sends them (generation 7 skips the config read
 * when it matches), read from the folders the recording worker reads.
 */
const configHashOf = configAnnouncer(projectPath(loadKeptEnv().KEPT_PROFILES_DIR));
/** And each dispatch with its transit outlook (generation 8), from the recording worker's statistics. */
const statistics = new SqliteBrandStatistics(':memory:');
const outlooksOf = outlookAnnouncer(statistics);

/** One recorded workflow: the fixture file name and the workflow id. */
type Recording = readonly [name: string, workflowId: string];

async function scenario(client: Client, taskQueue: string, outDir: string): Promise<void> {
  // First, so its minute of waiting overlaps the others.
  const wakeUpRecordings = await wakeUpAcrossAnEvent(client, taskQueue);
  const wakeUpDueBy = Date.now() + WAKE_UP_AFTER_MS;
  const recordings = [
    ...wakeUpRecordings,
    ...(await importedHistory(client, taskQueue)),
    ...(await liveCustomer(client, taskQueue, 'nordhem')),
    ...(await liveCustomer(client, taskQueue, 'maison-laurent')),
    ...(await sweepOfLiveJourneys(client, taskQueue)),
    ...(await rarerBranches(client, taskQueue)),
  ];
  // Promise timers (reminders, at-risk, notice, breach) run on real time: let them finish.
  await sleep(BREACH_AFTER_MS + 15_000);
  // And the wake-up's timer, a minute and more away when it was asked for (WakeUpTimer keeps no nearer one).
  await sleep(Math.max(0, wakeUpDueBy - Date.now()) + 10_000);

  mkdirSync(outDir, { recursive: true });
  for (const [name, workflowId] of recordings) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    writeFileSync(path.join(outDir, `${name}.json`), historyToJSON(history));
    console.log(`recorded ${name}: ${history.events?.length} events`);
  }
  printPatchCoverage(outDir);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The contact the woken journey waits for: far enough off that its timer is kept across an event. */
const WAKE_UP_AFTER_MS = 75_000;
/** A promise left to breach: due this long after it is made, so the recording sees every promise step. */
const BREACH_AFTER_MS = 20_000;

/**
 * A customer whose events happened hours ago (the first recorded set's scenario): orders, a
 * delay, a case, a contact request and a promise kept.
 */
async function importedHistory(client: Client, taskQueue: string): Promise<Recording[]> {
  const brand = 'nordhem';
  const customerId = 'c-recorded';
  const kept = new KeptClient({ client, taskQueue, configHashOf, outlooksOf });
  const now = Date.now();
  let n = 0;
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString();
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
  await sleep(3_000);
  await promises.fulfilPromise(brand, 'p-recorded', { note: 'called' });
  await sleep(3_000);
  return [
    ['journey', journeyWorkflowId(brand, customerId)],
    ['order', orderWorkflowId(brand, 'o-1')],
    ['case', caseWorkflowId(brand, 'k-1')],
    ['promise', promiseWorkflowId(brand, 'p-recorded')],
  ];
}

/**
 * A customer followed live, under a brand with a service profile: the playbooks plan and send
 * (order confirmation, delivery running late, setup check-in planned after delivery; patch
 * `playbooks-v1`) and the journey keeps its implicit promises (delivery by the promised date,
 * a first answer to the case; patch `implicit-promises-v1`). Explicit promises: one kept, one
 * renegotiated, reassigned and cancelled, one left to breach (reminders, at-risk, customer
 * notice, apology, escalation).
 */
async function liveCustomer(client: Client, taskQueue: string, brand: string): Promise<Recording[]> {
  const customerId = `c-live-${brand}`;
  const kept = new KeptClient({ client, taskQueue, configHashOf, outlooksOf });
  let n = 0;
  const event = (type: string, fields: Record<string, unknown> = {}) =>
    ({
      type,
      eventId: `live-${++n}`,
      brand,
      customerId,
      occurredAt: new Date().toISOString(),
      ...fields,
    }) as LifecycleEventInput;
  const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();
  // Midday in the customer's zone, so quiet hours defer nothing and the contacts really go out.
  const timezone = zoneWhereItIsAt(Date.now(), 12);
  await kept.recordEvent(
    event('profile.updated', { name: 'Grace Hopper', email: `${customerId}@example.com`, timezone }),
  );
  await kept.recordEvent(event('product.viewed', { sku: 'armchair' }));
  const items = [{ sku: 'armchair', name: 'Armchair', category: 'furniture', price: 640, warrantyEndsAt: inDays(730) }];
  await kept.recordEvent(event('order.placed', { orderId: 'o-2', items, promisedDeliveryAt: inDays(5) }));
  await kept.recordEvent(event('shipment.dispatched', { orderId: 'o-2' }));
  await kept.recordEvent(
    event('shipment.delayed', { orderId: 'o-2', newEstimatedDeliveryAt: inDays(8), reason: 'a storm' }),
  );
  await sleep(2_000);
  await kept.recordEvent(event('shipment.delivered', { orderId: 'o-2' }));
  await kept.recordEvent(
    event('issue.reported', { caseId: 'k-2', orderId: 'o-2', category: 'damage', summary: 'a wobbly leg' }),
  );
  await sleep(2_000);
  await kept.recordEvent(event('case.updated', { caseId: 'k-2', note: 'a new leg is on its way' }));
  await sleep(2_000);

  const promises = new PromiseClient({ client, taskQueue, profiles: shippedProfiles() });
  const owner = { kind: 'team', id: brand === 'nordhem' ? 'support' : 'client-advisors' } as const;
  const promise = (promiseId: string, due: { within: string } | { at: string }) =>
    promises.makePromise({
      brand,
      customerId,
      promiseId,
      text: 'call you back about the leg',
      kind: 'callback',
      owner,
      channel: 'email',
      due,
      insist: true,
    });
  await promise('p-kept', { within: 'P1D' });
  await promise('p-changed', { within: 'P1D' });
  await promise('p-breached', { at: new Date(Date.now() + BREACH_AFTER_MS).toISOString() });
  await sleep(2_000);
  await promises.fulfilPromise(brand, 'p-kept', { note: 'called back' });
  await promises.renegotiatePromise(brand, 'p-changed', {
    due: { within: 'P2D' },
    reason: 'the customer asked for later',
  });
  await promises.cancelPromise(brand, 'p-changed', { reason: 'the customer no longer needs the call' });

  return [
    [`${brand}-journey`, journeyWorkflowId(brand, customerId)],
    [`${brand}-order`, orderWorkflowId(brand, 'o-2')],
    [`${brand}-case`, caseWorkflowId(brand, 'k-2')],
    [`${brand}-promise-delivery`, promiseWorkflowId(brand, deliveryPromiseId('o-2'))],
    [`${brand}-promise-response`, promiseWorkflowId(brand, caseResponsePromiseId('k-2'))],
    [`${brand}-promise-kept`, promiseWorkflowId(brand, 'p-kept')],
    [`${brand}-promise-changed`, promiseWorkflowId(brand, 'p-changed')],
    [`${brand}-promise-breached`, promiseWorkflowId(brand, 'p-breached')],
  ];
}

/**
 * A journey waiting for a contact asked for 75 seconds ahead takes an event that leaves
 * that wake-up where it was (generation 9 keeps the timer pending across it: lean-wait.ts
 * `WakeUpTimer`), then its timer fires and the contact goes out.
 */
async function wakeUpAcrossAnEvent(client: Client, taskQueue: string): Promise<Recording[]> {
  const [brand, customerId] = ['nordhem', 'c-wake'];
  const kept = new KeptClient({ client, taskQueue, configHashOf, outlooksOf });
  let n = 0;
  const event = (type: string, fields: Record<string, unknown> = {}) =>
    ({
      type,
      eventId: `wake-${++n}`,
      brand,
      customerId,
      occurredAt: new Date().toISOString(),
      ...fields,
    }) as LifecycleEventInput;
  const timezone = zoneWhereItIsAt(Date.now(), 12);
  await kept.recordEvent(event('profile.updated', { name: 'Ada Byron', email: `${customerId}@example.com`, timezone }));
  await client.workflow.getHandle(journeyWorkflowId(brand, customerId)).executeUpdate(requestContactUpdate, {
    args: [
      {
        key: 'recorded/wake-up',
        template: 'order.confirmation',
        category: 'transactional',
        reason: 'your order',
        data: { orderId: 'o-wake' },
        dueAt: new Date(Date.now() + WAKE_UP_AFTER_MS).toISOString(),
      },
    ],
  });
  await kept.recordEvent(event('product.viewed', { sku: 'lamp' }));
  return [['woken-journey', journeyWorkflowId(brand, customerId)]];
}

/** A proactive sweep (as a Schedule runs it) over the live journeys: each plans the quarterly check-in. */
async function sweepOfLiveJourneys(client: Client, taskQueue: string): Promise<Recording[]> {
  const query = `KeptKind='journey' AND KeptCustomerId IN ('c-live-nordhem', 'c-live-maison-laurent')`;
  // Visibility is eventually consistent: wait until the sweep would see both journeys.
  for (let tries = 0; (await client.workflow.count(query)).count < 2; tries++) {
    if (tries > 50) throw new Error(`visibility never listed the live journeys (${query})`);
    await sleep(200);
  }
  const workflowId = 'kept-recorded-sweep';
  await client.workflow.execute(proactiveSweep, {
    workflowId,
    taskQueue,
    args: [{ query, playbookId: 'checkin.quarterly', category: 'proactive', reason: 'quarterly personal check-in' }],
  });
  return [['sweep', workflowId]];
}

/**
 * The branches a plain live customer does not reach: an import (outreach 'none') large enough
 * to be forwarded in chunks (`outreach-import-by-id`, `bounded-forward-chunks`); a decision
 * the ledger records, a promotion suppressed for want of consent (`outreach-ledger-bounded`);
 * Maison Laurent's delivery rescue, a playbook that makes a promise (`outreach-playbook-actions`);
 * an implicit delivery promise that reaches its date undelivered (`promises-breach-check-v1`).
 */
async function rarerBranches(client: Client, taskQueue: string): Promise<Recording[]> {
  const kept = new KeptClient({ client, taskQueue, configHashOf, outlooksOf });
  let n = 0;
  const event = (brand: string, customerId: string, type: string, at: number, fields: Record<string, unknown> = {}) =>
    ({
      type,
      eventId: `rare-${++n}`,
      brand,
      customerId,
      occurredAt: new Date(at).toISOString(),
      ...fields,
    }) as LifecycleEventInput;
  const now = Date.now();
  const timezone = zoneWhereItIsAt(now, 12);
  const mug = [{ sku: 'mug', name: 'Mug', category: 'kitchen', price: 12 }];

  const importer = 'c-imported';
  await kept.recordEvent(
    event('nordhem', importer, 'profile.updated', now - 300 * HOUR, {
      name: 'Alan',
      email: 'alan@example.com',
      timezone,
    }),
  );
  const history = Array.from({ length: 80 }, (_, i) => [
    event('nordhem', importer, 'order.placed', now - (250 - i) * HOUR, { orderId: `imp-${i}`, items: mug }),
    event('nordhem', importer, 'shipment.dispatched', now - (249 - i) * HOUR, { orderId: `imp-${i}` }),
  ]).flat();
  await kept.recordEvents(history, { outreach: 'none' });
  const importedJourney = client.workflow.getHandle(journeyWorkflowId('nordhem', importer));
  await importedJourney.executeUpdate(requestContactUpdate, {
    args: [
      {
        key: 'rare/sale',
        template: 'order.confirmation',
        category: 'promotional',
        reason: 'our winter sale',
        data: { orderId: 'imp-1' },
      },
    ],
  });

  const rescued = 'c-rescued';
  await kept.recordEvent(
    event('maison-laurent', rescued, 'profile.updated', now, { name: 'Claire', email: 'claire@example.com', timezone }),
  );
  await kept.recordEvent(event('maison-laurent', rescued, 'order.placed', now, { orderId: 'o-rescue', items: mug }));
  await kept.recordEvent(event('maison-laurent', rescued, 'shipment.dispatched', now, { orderId: 'o-rescue' }));
  await kept.recordEvent(
    event('maison-laurent', rescued, 'delivery.failed', now, { orderId: 'o-rescue', reason: 'nobody at home' }),
  );

  const waiting = 'c-waiting';
  await kept.recordEvent(
    event('nordhem', waiting, 'profile.updated', now, { name: 'Edsger', email: 'edsger@example.com', timezone }),
  );
  const promisedAt = new Date(Date.now() + BREACH_AFTER_MS).toISOString();
  await kept.recordEvent(
    event('nordhem', waiting, 'order.placed', now, {
      orderId: 'o-waiting',
      items: mug,
      promisedDeliveryAt: promisedAt,
    }),
  );
  // An order imported while still in transit, its promise days ahead, and no later event:
  // the outlook read after the import plans its late notice (antic-plan-imported-outlooks).
  const inTransit = 'c-imported-transit';
  await kept.recordEvents(
    [
      event('nordhem', inTransit, 'profile.updated', now - 3 * DAY, {
        name: 'Grace',
        email: 'grace@example.com',
        timezone,
      }),
      event('nordhem', inTransit, 'order.placed', now - 3 * DAY, {
        orderId: 'o-in-transit',
        items: mug,
        promisedDeliveryAt: new Date(now + 5 * DAY).toISOString(),
      }),
      event('nordhem', inTransit, 'shipment.dispatched', now - 1.5 * DAY, { orderId: 'o-in-transit' }),
    ],
    { outreach: 'none' },
  );
  // A brand without a service profile makes no delivery promise: the journey, which held the
  // order for its promise, starts its workflow after the round (generation 5, held-orders.ts).
  const unpromised = 'c-unpromised';
  await kept.recordEvent(
    event('plainco', unpromised, 'order.placed', now, {
      orderId: 'o-unpromised',
      items: mug,
      promisedDeliveryAt: new Date(now + 5 * DAY).toISOString(),
    }),
  );
  await sleep(3_000);
  return [
    ['unpromised-journey', journeyWorkflowId('plainco', unpromised)],
    ['unpromised-order', orderWorkflowId('plainco', 'o-unpromised')],
    ['imported-in-transit-journey', journeyWorkflowId('nordhem', inTransit)],
    ['imported-journey', journeyWorkflowId('nordhem', importer)],
    ['rescued-journey', journeyWorkflowId('maison-laurent', rescued)],
    ['waiting-journey', journeyWorkflowId('nordhem', waiting)],
    ['waiting-promise-delivery', promiseWorkflowId('nordhem', deliveryPromiseId('o-waiting'))],
    // Generation 5: held in the journey until its promise breached, which started it (held-orders.ts).
    ['waiting-order', orderWorkflowId('nordhem', 'o-waiting')],
  ];
}

/** Which patch ids in the workflow code these histories went through (the replay test requires all). */
function printPatchCoverage(outDir: string): void {
  const label = path.basename(outDir);
  const histories = recordedHistories(path.dirname(outDir)).filter((history) => history.name.startsWith(`${label}/`));
  const { ids, unreadable } = patchIdsInSource();
  for (const [id, names] of patchCoverage(histories, ids)) {
    console.log(names.length > 0 ? `patch ${id}: covered by ${names.join(', ')}` : `patch ${id}: NOT COVERED`);
  }
  for (const call of unreadable) console.log(`patch call with a non-literal id (cannot check): ${call}`);
}

main(process.argv[2] ?? 'baseline').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
