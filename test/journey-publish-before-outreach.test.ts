import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { KeptOpenPromises, KeptStage } from '../common/search-attributes';
import { journeyStateQuery } from '../workflows/journey/messages';
import { outreachDependencies, temporaryDirectory, waitFor } from './helpers/outreach';
import { connectDevServer, startKeptWorker, stopWorker, zoneWhereItIsNow } from './helpers/temporal';

/**
 * From generation 3 a journey writes its search attributes once per round, not after every
 * update, but still before the round's outreach: a mail server that hangs must not leave the
 * operator's view (KeptStage, open promises) behind what the customer already did. Dev server
 * (search attributes), and a real TCP server on localhost that accepts SMTP connections and
 * never greets, as a stuck mail relay does.
 */
const BRAND = 'nordhem';
const DAY = 86_400_000;

/** A mail server that takes connections and never answers (the SMTP greeting never comes). */
function startSilentMailServer(): Promise<{ server: Server; port: number; connections: Socket[] }> {
  const connections: Socket[] = [];
  const server = createServer((socket) => connections.push(socket));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, connections }));
  });
}

let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let silent: Awaited<ReturnType<typeof startSilentMailServer>>;
let kept: KeptClient;
const tmp = temporaryDirectory('kept-publish-outreach-');

beforeAll(async () => {
  env = await connectDevServer();
  silent = await startSilentMailServer();
  const outreach = outreachDependencies({ smtpPort: silent.port, ledgerFile: path.join(tmp.path, 'ledger.sqlite') });
  worker = await startKeptWorker(env, { activityDependencies: { outreach } });
  kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
});

afterAll(async () => {
  // Hang up first, so the stuck send fails at once and the worker can stop.
  for (const socket of silent.connections) socket.destroy();
  await new Promise((resolve) => silent.server.close(resolve));
  await stopWorker(worker);
  await env.teardown();
  tmp.remove();
});

const customerId = `hung-mail-${Date.now().toString(36)}`;
const orderId = `${customerId}-o-1`;
const envelope = { brand: BRAND, customerId };

test('a round stuck sending its mail already shows its changes in the search attributes', async () => {
  const handle = env.client.workflow.getHandle(journeyWorkflowId(BRAND, customerId));
  await kept.recordEvent({
    ...envelope,
    type: 'profile.updated',
    eventId: `${customerId}-profile`,
    occurredAt: new Date().toISOString(),
    name: 'Ada',
    email: `${customerId}@example.com`,
    // Midday for the customer, so the order confirmation is sent at once, not after quiet hours.
    timezone: await zoneWhereItIsNow(env, 12),
  } as LifecycleEventInput);
  await kept.recordEvent({
    ...envelope,
    type: 'order.placed',
    eventId: `${customerId}-placed`,
    occurredAt: new Date().toISOString(),
    orderId,
    items: [{ sku: 'lamp-1', name: 'Lamp', category: 'lighting', price: 59 }],
    promisedDeliveryAt: new Date(Date.now() + 3 * DAY).toISOString(),
  } as LifecycleEventInput);

  // The round has reached its outreach: the confirmation's send is connected and waiting.
  await waitFor(() => silent.connections.length > 0, 30_000, 'the confirmation to reach the mail server');
  const state = await handle.query(journeyStateQuery);
  expect(state.outreach.decisions.some((decision) => decision.outcome === 'sent')).toBe(false);

  // The round cannot end while the mail server hangs, yet the operator already sees the order.
  const { typedSearchAttributes } = await handle.describe();
  expect(typedSearchAttributes.get(KeptStage)).toBe('purchase');
  expect(typedSearchAttributes.get(KeptOpenPromises)).toBe(1);
});
