import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { messageIdFor } from '../activities/outreach/email';
import { KeptClient } from '../client/kept-client';
import { InvalidPromiseError, PromiseClient, PromiseNotFoundError } from '../client/promises';
import { addBusinessDuration } from '../common/business-time';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { KeptFlags, KeptOpenPromises } from '../common/search-attributes';
import { listCapturedMail } from '../mail/mailbox';
import { runningPromises } from '../workflows/journey/operator-view';
import type { JourneyState } from '../workflows/journey/state';
import { planSteps } from '../workflows/promise/plan';
import { staffDigestWorkflowId } from '../common/staff/digest';
import { digestBoundary } from '../common/staff/time';
import { outreachDependencies, shippedProfiles } from './helpers/outreach';
import { startOutreachStack, type OutreachStack } from './helpers/outreach-stack';
import {
  promiseClientOn,
  connectDevServer,
  startKeptWorker,
  stopWorker,
  uniqueTaskQueue,
  settleOn,
} from './helpers/temporal';

/**
 * Implicit promises (an order's delivery date, a case's first-response target) follow the
 * order's and case's state, on the time-skipping server with a real SMTP capture server and a
 * real SQLite delivery ledger: out-of-order events, a worker outage across the due time, the
 * response clock, the at-risk mail, the journey's open-promise count and the horizon limit.
 */
// The outage scenario runs in real time on the dev server: about a minute.
jest.setTimeout(120_000);

const brand = 'nordhem';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const profile = shippedProfiles().get(brand)!;
const items = [{ sku: 'bed', name: 'Bed', category: 'furniture', price: 700 }];

let stack: OutreachStack;
let env: TestWorkflowEnvironment;
let worker: OutreachStack['worker'];
let kept: KeptClient;
let promises: PromiseClient;
const taskQueue = uniqueTaskQueue('implicit');
const outreach = () => outreachDependencies({ smtpPort: stack.smtp.port, ledgerFile: stack.ledgerFile });

beforeAll(async () => {
  stack = await startOutreachStack('kept-implicit-promises-', { taskQueue });
  ({ env, worker } = stack);
  kept = new KeptClient({ client: env.client, taskQueue });
  promises = promiseClientOn(env, taskQueue);
});

afterAll(() => stack?.stop());

const iso = (ms: number): string => new Date(ms).toISOString();
const serverNow = (): Promise<number> => env.currentTimeMs();
let sequence = 0;

function event(customerId: string, type: string, occurredAt: number, fields: Record<string, unknown> = {}) {
  sequence += 1;
  return {
    type,
    eventId: `${customerId}-${sequence}`,
    brand,
    customerId,
    occurredAt: iso(occurredAt),
    ...fields,
  } as LifecycleEventInput;
}

async function customer(customerId: string): Promise<void> {
  await kept.recordEvent(
    event(customerId, 'profile.updated', await serverNow(), { name: 'Ada', email: `${customerId}@example.com` }),
  );
}

const journey = (customerId: string): Promise<JourneyState> => kept.getJourney(brand, customerId);

/** Lets the journey's rounds (activities, promise workflows) run, until `done` says so. */
const settle = (what: string, done: () => Promise<boolean>) => settleOn(env, what, done);

const confirmed = async (customerId: string, promiseId: string) =>
  (await journey(customerId)).implicitPromises?.confirmed[promiseId];

async function openPromiseCount(customerId: string): Promise<number | undefined> {
  const description = await env.client.workflow.getHandle(journeyWorkflowId(brand, customerId)).describe();
  return description.typedSearchAttributes.get(KeptOpenPromises);
}

const mailTo = (address: string) => listCapturedMail(stack.mailDir).filter((mail) => mail.to.includes(address));
const apologiesTo = (customerId: string) =>
  mailTo(`${customerId}@example.com`).filter((mail) => mail.subject.startsWith('Sorry: we did not keep our promise'));

describe('implicit promises follow the order and case state', () => {
  it('makes no promise that could breach when the delivery arrives before the order', async () => {
    const customerId = 'c-early';
    await customer(customerId);
    const now = await serverNow();
    await kept.recordEvent(event(customerId, 'shipment.delivered', now, { orderId: 'o-early' }));
    await kept.recordEvent(
      event(customerId, 'order.placed', now - HOUR, {
        orderId: 'o-early',
        items,
        promisedDeliveryAt: iso(now + 3 * DAY),
      }),
    );
    await settle('the delivery promise is settled', async () => !!(await confirmed(customerId, 'delivery-o-early')));

    await env.sleep(4 * DAY);
    expect(apologiesTo(customerId)).toHaveLength(0);
    await expect(promises.getPromise(brand, 'delivery-o-early')).rejects.toBeInstanceOf(PromiseNotFoundError);
    expect(await openPromiseCount(customerId)).toBe(0);
    expect(await confirmed(customerId, 'delivery-o-early')).toMatchObject({ status: 'none' });
  });

  it('counts one open promise per promised, undelivered order, and keeps each at its delivery time', async () => {
    const customerId = 'c-count';
    await customer(customerId);
    const now = await serverNow();
    for (const orderId of ['o-a', 'o-b']) {
      await kept.recordEvent(
        event(customerId, 'order.placed', now, { orderId, items, promisedDeliveryAt: iso(now + 5 * DAY) }),
      );
    }
    await settle('both promises open and known to the journey', async () => {
      const open = runningPromises(await journey(customerId)).filter((view) => view.status === 'open');
      return open.length === 2 && (await openPromiseCount(customerId)) === 2;
    });
    // The journey knows each promise open, with its due time, from making it (no opening report).
    expect(runningPromises(await journey(customerId))).toEqual(
      ['o-a', 'o-b'].map((orderId) => ({
        promiseId: `delivery-${orderId}`,
        status: 'open',
        dueAt: iso(now + 5 * DAY),
      })),
    );
    expect(await openPromiseCount(customerId)).toBe(2);

    const deliveredAt = await serverNow();
    await kept.recordEvent(event(customerId, 'shipment.delivered', deliveredAt, { orderId: 'o-a' }));
    await settle('one kept', async () => (await openPromiseCount(customerId)) === 1);
    const keptPromise = await promises.getPromise(brand, 'delivery-o-a');
    expect(keptPromise.result).toMatchObject({ outcome: 'kept', slackMs: now + 5 * DAY - deliveredAt });
    expect(await openPromiseCount(customerId)).toBe(1);
  });

  it('shows no promise for a brand without a service profile', async () => {
    const customerId = 'c-noprofile';
    const noProfile = (type: string, at: number, fields: Record<string, unknown>) =>
      ({ ...event(customerId, type, at, fields), brand: 'plainco' }) as LifecycleEventInput;
    const now = await serverNow();
    await kept.recordEvent(
      noProfile('order.placed', now, { orderId: 'o-plain', items, promisedDeliveryAt: iso(now + 2 * DAY) }),
    );
    const state = async () => kept.getJourney('plainco', customerId);
    await settle('settled as none', async () => !!(await state()).implicitPromises?.confirmed['delivery-o-plain']);
    expect((await state()).implicitPromises?.confirmed['delivery-o-plain']).toMatchObject({
      status: 'none',
      note: 'no service profile for plainco',
    });
    const description = await env.client.workflow.getHandle(journeyWorkflowId('plainco', customerId)).describe();
    expect(description.typedSearchAttributes.get(KeptOpenPromises)).toBe(0);
  });

  it('starts the response clock when the issue was reported, not when the journey got to it', async () => {
    const customerId = 'c-clock';
    await customer(customerId);
    // Two hours into a Wednesday's opening hours in London, wherever the test clock stands.
    const wednesdayNoon = nextLocal(await serverNow(), 3, 12);
    await env.sleep(wednesdayNoon - (await serverNow()));
    const reportedAt = (await serverNow()) - 2 * HOUR;
    await kept.recordEvent(
      event(customerId, 'issue.reported', reportedAt, {
        caseId: 'k-clock',
        severity: 'urgent',
        category: 'billing',
        summary: 'charged twice',
      }),
    );
    await settle(
      'the response promise is open',
      async () => (await confirmed(customerId, 'response-k-clock'))?.status === 'open',
    );
    const response = await promises.getPromise(brand, 'response-k-clock');
    const expected = addBusinessDuration(reportedAt, profile.targets.response.urgent!, profile.businessHours);
    expect(response.dueAt).toBe(iso(expected));
    expect(response.createdAt).toBe(iso(reportedAt));
  });

  // Issue 14: a delivery the system keeps reaches people through the team's daily digest, not a mail per order.
  it('puts the at-risk alert of a system-owned delivery promise once on the digest of the first in the chain', async () => {
    const customerId = 'c-atrisk';
    await customer(customerId);
    const now = await serverNow();
    const atRiskOf = (due: number) =>
      planSteps(
        { windowStartedAt: iso(now), dueAt: iso(due), renegotiations: 0, owner: { kind: 'system', id: 'fulfilment' } },
        { ...profile, webhookSubscriptions: [] },
        'P30D',
        { atRiskByRecipient: true },
      ).find((step) => step.action === 'at-risk')!.at;
    // A date whose at-risk point is followed by a business-day start before it is due, on any weekday.
    const due = [5, 6, 7, 8, 9, 10, 11, 12]
      .map((days) => now + days * DAY)
      .find((candidate) => digestBoundary(atRiskOf(candidate), 'daily', profile.businessHours) < candidate - HOUR)!;
    const boundary = digestBoundary(atRiskOf(due), 'daily', profile.businessHours);
    await kept.recordEvent(
      event(customerId, 'order.placed', now, { orderId: 'o-risk', items, promisedDeliveryAt: iso(due) }),
    );
    await settle(
      'the delivery promise is open',
      async () => (await confirmed(customerId, 'delivery-o-risk'))?.status === 'open',
    );
    await env.sleep(boundary + 10 * 60_000 - (await serverNow()));
    const support = mailTo('support@nordhem.example');
    expect(support.filter((mail) => mail.subject.startsWith('At risk:') && mail.text.includes('o-risk'))).toEqual([]);
    const digestKey = `${staffDigestWorkflowId(brand, { kind: 'team', id: 'support' })}/${iso(boundary)}`;
    const digest = support.find((mail) => mail.messageId === messageIdFor(digestKey));
    expect(digest?.text.split('\n').filter((line) => line.includes('order o-risk'))).toEqual([
      expect.stringMatching(/— at risk$/),
    ]);
    await kept.recordEvent(event(customerId, 'shipment.delivered', await serverNow(), { orderId: 'o-risk' }));
    await settle('kept', async () => (await confirmed(customerId, 'delivery-o-risk'))?.status === 'kept');
  });
  it("counts a caller's promise on the journey, even when the caller claims the journey made it", async () => {
    const customerId = 'c-caller';
    await customer(customerId);
    const dueAt = iso((await serverNow()) + 2 * DAY);
    // Only Kept's own activity may skip the opening report: a caller's claim is dropped.
    const claim = { madeByJourney: true } as Record<string, unknown>;
    await promises.makePromise({
      brand,
      customerId,
      promiseId: 'p-caller',
      text: 'call back about the bed frame',
      kind: 'other',
      owner: { kind: 'person', id: 'sam' },
      due: { at: dueAt },
      channel: 'email',
      ...claim,
    });
    await settle('the journey counts the promise', async () => (await openPromiseCount(customerId)) === 1);
    expect(runningPromises(await journey(customerId))).toEqual([{ promiseId: 'p-caller', status: 'open', dueAt }]);
  });
});

describe('promises beyond the horizon', () => {
  it('rejects a promise due in three years with a clear error', async () => {
    const now = await serverNow();
    const threeYears = iso(now + 3 * 365 * DAY);
    const attempt = promises.makePromise({
      brand,
      customerId: 'c-far',
      promiseId: 'p-far',
      text: 'a visit in three years',
      kind: 'other',
      owner: { kind: 'person', id: 'sam' },
      due: { at: threeYears },
      channel: 'email',
    });
    await expect(attempt).rejects.toBeInstanceOf(InvalidPromiseError);
    await expect(attempt).rejects.toThrow(`due: ${threeYears} is more than 730 days after`);
    await expect(
      promises.makePromise({
        brand,
        customerId: 'c-far',
        promiseId: 'p-far-2',
        text: 'an answer in 1000 business days',
        kind: 'other',
        owner: { kind: 'person', id: 'sam' },
        due: { within: 'P1000D' },
        channel: 'email',
      }),
    ).rejects.toThrow(/due\.within: a promise is due within at most 730 days/);
  });

  it('makes no delivery promise of an order promised three years out, and says why', async () => {
    const customerId = 'c-far-order';
    await customer(customerId);
    const now = await serverNow();
    await kept.recordEvent(
      event(customerId, 'order.placed', now, { orderId: 'o-far', items, promisedDeliveryAt: iso(now + 3 * 365 * DAY) }),
    );
    await settle('settled', async () => !!(await confirmed(customerId, 'delivery-o-far')));
    expect(await confirmed(customerId, 'delivery-o-far')).toMatchObject({
      status: 'none',
      note: expect.stringMatching(/is more than 730 days after/),
    });
    await expect(promises.getPromise(brand, 'delivery-o-far')).rejects.toBeInstanceOf(PromiseNotFoundError);
  });
});

describe('a worker outage across the due time', () => {
  // On the dev server, in real time: a stopped worker's sticky tasks go back to the task queue
  // after a few seconds there, as on a production server, where the time-skipping server keeps
  // them for ever (and a worker without a cache cannot run the journey's local activities).
  let sharedEnv: TestWorkflowEnvironment;
  let sharedWorker: typeof worker;
  let sharedKept: KeptClient;
  let sharedPromises: PromiseClient;
  const outageQueue = uniqueTaskQueue('implicit-outage');
  const startOutageWorker = () =>
    startKeptWorker(env, { taskQueue: outageQueue, activityDependencies: { outreach: outreach() } });
  const untilServerTime = async (at: number) => env.sleep(Math.max(0, at - (await serverNow())));

  beforeAll(async () => {
    [sharedEnv, sharedWorker, sharedKept, sharedPromises] = [env, worker, kept, promises];
    env = await connectDevServer();
    worker = await startOutageWorker();
    kept = new KeptClient({ client: env.client, taskQueue: outageQueue });
    promises = promiseClientOn(env, outageQueue);
  });

  afterAll(async () => {
    await stopWorker(worker);
    await env.teardown();
    [env, worker, kept, promises] = [sharedEnv, sharedWorker, sharedKept, sharedPromises];
  });

  it('keeps a delivery on time although the worker was down across the due time', async () => {
    const customerId = `c-outage-${Date.now().toString(36)}`;
    await customer(customerId);
    const now = await serverNow();
    const dueAt = now + 30_000;
    await kept.recordEvent(
      event(customerId, 'order.placed', now, { orderId: `o-${customerId}`, items, promisedDeliveryAt: iso(dueAt) }),
    );
    const promiseId = `delivery-o-${customerId}`;
    await settle(
      'the delivery promise is open',
      async () => (await confirmed(customerId, promiseId))?.status === 'open',
    );
    // The worker goes down 15 seconds before the due time; nothing is waiting for it yet.
    await untilServerTime(dueAt - 15_000);
    await stopWorker(worker);
    // Three seconds before the due time the backend reports the delivery: the update waits for
    // a worker while the promise's due time passes.
    await untilServerTime(dueAt - 3_000);
    const deliveredAt = await serverNow();
    expect(deliveredAt).toBeLessThan(dueAt);
    const delivered = kept.recordEvent(
      event(customerId, 'shipment.delivered', deliveredAt, { orderId: `o-${customerId}` }),
    );
    await untilServerTime(dueAt + 5_000);
    worker = await startOutageWorker();
    await delivered;

    await settle('the promise ended', async () => !!(await promises.getPromise(brand, promiseId)).result);
    const state = await promises.getPromise(brand, promiseId);
    expect(state.result?.outcome).toBe('kept');
    expect(state.breach).toBeUndefined();
    const description = await env.client.workflow.getHandle(journeyWorkflowId(brand, customerId)).describe();
    expect(description.typedSearchAttributes.get(KeptFlags) ?? []).not.toContain('promise-sync-failing');
    expect(apologiesTo(customerId)).toHaveLength(0);
  });
});

/** The next instant at `hour`:00 London time on ISO weekday `weekday` (1 = Monday), at least a day ahead. */
function nextLocal(from: number, weekday: number, hour: number): number {
  let candidate = from + DAY;
  for (let i = 0; i < 8 * 24; i++, candidate += HOUR) {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      weekday: 'short',
      hour: 'numeric',
      hourCycle: 'h23',
    }).formatToParts(candidate);
    const day =
      ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.find((p) => p.type === 'weekday')!.value) + 1;
    const localHour = Number(parts.find((p) => p.type === 'hour')!.value);
    if (day === weekday && localHour === hour) return candidate - (candidate % HOUR);
  }
  throw new Error('no such hour');
}
