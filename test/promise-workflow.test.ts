import path from 'node:path';
import { Context } from '@temporalio/activity';
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  InvalidPromiseError,
  PromiseClient,
  PromiseClosedError,
  PromiseNotFoundError,
  type MakePromiseAnswer,
} from '../client/promises';
import { journeyWorkflowId, promiseWorkflowId } from '../common/ids';
import { promiseContactKey } from '../common/promises/customer-contact';
import type { DeliveryResult, OutreachRequest } from '../common/outreach/contract';
import type { MakePromiseInput, PromiseOutcome } from '../common/promises/schema';
import { loadServiceProfile } from '../common/profiles/load-profiles';
import type { ServiceProfile } from '../common/profiles/schema';
import { KeptFlags, KeptStatus, KeptTeam } from '../common/search-attributes';
import { temporalTestServerPath } from '../common/tools';
import { registerSearchAttributes } from '../workers/search-attributes';
import { renegotiatePromiseUpdate } from '../workflows/promise/messages';
import { promiseClientOn, startKeptWorker, stopWorker, uniqueTaskQueue } from './helpers/temporal';

/**
 * Promise enforcement on the real time-skipping server. This file starts its own
 * time-skipping server: it moves the clock to fixed dates around Easter 2032 (the Paris
 * calendar's weekend, Easter Monday and the DST change of Sunday 28 March), and a clock moved
 * months ahead must not leak into other test files that share the run's server.
 * The dates are in 2032 because a time-skipping server starts at today and only moves
 * forward: they must lie ahead of any day the suite runs on. (2032 has 2027's calendar from
 * March on, Easter and the DST change included; move them on again before 2032.)
 *
 * Calendar (Europe/Paris): Mon–Fri 09:00–12:00 and 13:00–18:00, Easter Monday 2032-03-29 off.
 * Scenarios run one after another on the one clock, each starting after the previous ended.
 */
const baseProfile = loadServiceProfile(path.resolve(__dirname, '../config/profiles/maison-laurent.json'));
const weekday = [
  { start: '09:00', end: '12:00' },
  { start: '13:00', end: '18:00' },
];
const profile: ServiceProfile = {
  ...baseProfile,
  businessHours: {
    timezone: 'Europe/Paris',
    week: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday },
    holidays: ['2032-03-29'],
  },
  escalation: [
    { notify: { kind: 'team', id: 'client-advisors' }, after: 'PT0M' },
    { notify: { kind: 'person', id: 'head-of-client-care' }, after: 'PT30M' },
    { notify: { kind: 'person', id: 'boutique-director' }, after: 'PT2H' },
  ],
  promises: { remindAt: [0.5, 0.8], atRiskAt: 0.75, customerNoticeAt: 0.6, recovery: 'a personal call' },
};

interface Sent extends OutreachRequest {
  /** Server time (the skipped clock) at which the workflow scheduled the send. */
  at: number;
}

const sent: Sent[] = [];
async function deliverOutreach(request: OutreachRequest): Promise<DeliveryResult> {
  const at = Context.current().info.scheduledTimestampMs;
  sent.push({ ...request, at });
  return {
    idempotencyKey: request.idempotencyKey,
    status: 'sent',
    channel: request.channel ?? 'email',
    sentAt: iso(at),
  };
}

const at = (text: string): number => Date.parse(text);
const iso = (ms: number): string => new Date(ms).toISOString();
/**
 * Staff messages carry the promise workflow's key; messages to the customer are sent by the
 * customer's journey (its contact policy), under the journey's key for the promise step.
 */
const keyPrefixes = (s: Sent): string[] => [
  `${promiseWorkflowId('maison-laurent', s.data.promiseId as string)}/`,
  `${journeyWorkflowId('maison-laurent', s.data.customerId as string)}/contact/${promiseContactKey(s.data.promiseId as string, '')}`,
];
const sentFor = (promiseId: string): Sent[] =>
  sent.filter((s) => s.data.promiseId === promiseId && keyPrefixes(s).some((p) => s.idempotencyKey.startsWith(p)));
const stepOf = (s: Sent): string => {
  const prefix = keyPrefixes(s).find((candidate) => s.idempotencyKey.startsWith(candidate));
  return s.idempotencyKey.slice(prefix!.length);
};
/** Sends within 5 s of the planned instant count as on time: the test clock runs on in real time while tasks run, and a loaded 2-core machine takes seconds. */
const TOLERANCE_MS = 5_000;

let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let promises: PromiseClient;
const taskQueue = uniqueTaskQueue('promise');

function promise(promiseId: string, extra: Partial<MakePromiseInput> = {}): MakePromiseInput {
  return {
    brand: 'maison-laurent',
    customerId: 'cust-ada',
    promiseId,
    text: 'Call back about the repair of the handbag clasp',
    kind: 'callback',
    owner: { kind: 'person', id: 'camille' },
    channel: 'phone',
    caseId: 'case-7',
    contact: { email: 'ada@example.com', locale: 'fr-FR' },
    ...extra,
  };
}

/** Each timer the workflow started, in order: its summary (as the Temporal UI shows it) and how it ended. */
async function timersOf(workflowId: string): Promise<{ summary?: string; ended: 'fired' | 'cancelled' | 'running' }[]> {
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const ended = new Map<string, 'fired' | 'cancelled'>();
  for (const event of events) {
    if (event.timerFiredEventAttributes) ended.set(event.timerFiredEventAttributes.timerId!, 'fired');
    if (event.timerCanceledEventAttributes) ended.set(event.timerCanceledEventAttributes.timerId!, 'cancelled');
  }
  return events.flatMap((event) => {
    const started = event.timerStartedEventAttributes;
    if (!started) return [];
    const data = event.userMetadata?.summary?.data;
    const summary = data ? (JSON.parse(Buffer.from(data).toString('utf8')) as string) : undefined;
    return [{ ...(summary ? { summary } : {}), ended: ended.get(started.timerId!) ?? 'running' }];
  });
}

async function skipTo(instant: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (instant <= now) throw new Error(`the test clock is already past ${iso(instant)} (${iso(now)})`);
  await env.sleep(instant - now);
}

function made(answer: MakePromiseAnswer): Extract<MakePromiseAnswer, { made: true }> {
  if (!answer.made) throw new Error(`not made: ${answer.note}`);
  return answer;
}

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  await registerSearchAttributes(env.connection, 'default');
  worker = await startKeptWorker(env, { taskQueue, extraActivities: { deliverOutreach } });
  promises = promiseClientOn(env, taskQueue, new Map([['maison-laurent', profile]]));
});

afterAll(async () => {
  if (worker) await stopWorker(worker);
  await env?.teardown();
});

describe('a promise due in business time across the weekend, Easter Monday and the DST change', () => {
  it('fires reminders, customer notice, at-risk, breach, apology and every escalation at their instants', async () => {
    // Thursday 25 March 2032, 16:00 CET. 12 business hours: Thu 2h, Fri 8h, weekend, DST,
    // Easter Monday, Tue 2h → due Tuesday 30 March 11:00 CEST (09:00Z).
    await skipTo(at('2032-03-25T16:00:00+01:00'));
    const answer = made(
      await promises.makePromise(
        promise('p-breach', { due: { within: 'PT12H' }, createdAt: '2032-03-25T16:00:00+01:00' }),
      ),
    );
    expect(answer.dueAt).toBe('2032-03-30T09:00:00.000Z');
    const handle = env.client.workflow.getHandle(answer.workflowId);

    // skip past the late-fulfilment window (P30D); a plain client reads the result without
    // unlocking time skipping (the test client's result() would jump the clock to the far future)
    await skipTo(at('2032-04-29T09:01:00Z'));
    const outcome: PromiseOutcome = await resultOf(answer.workflowId);
    const expected: [string, string, string][] = [
      // step, instant, recipient
      ['reminder-1', '2032-03-26T14:00:00+01:00', 'person:camille'], // 50% = 6h
      ['customer-notice', '2032-03-26T15:12:00+01:00', 'customer:cust-ada'], // 60% = 7h12m
      ['at-risk', '2032-03-26T17:00:00+01:00', 'person:camille'], // 75% = 9h
      ['at-risk-escalation', '2032-03-26T17:00:00+01:00', 'team:client-advisors'],
      ['reminder-2', '2032-03-26T17:36:00+01:00', 'person:camille'], // 80% = 9h36m
      // the apology goes first, so the owner's breach mail can say what became of it
      ['apology', '2032-03-30T11:00:00+02:00', 'customer:cust-ada'],
      ['breach', '2032-03-30T11:00:00+02:00', 'person:camille'],
      ['escalation-1', '2032-03-30T11:00:00+02:00', 'team:client-advisors'], // after PT0M
      ['escalation-2', '2032-03-30T11:30:00+02:00', 'person:head-of-client-care'], // after PT30M
      ['escalation-3', '2032-03-30T14:00:00+02:00', 'person:boutique-director'], // PT2H over lunch
    ];
    const actual = sentFor('p-breach');
    expect(actual.map(stepOf)).toEqual(expected.map(([step]) => step));
    expected.forEach(([step, instant, recipient], index) => {
      const message = actual[index]!;
      expect({ step, recipient: recipientOf(message) }).toEqual({ step, recipient });
      expect(Math.abs(message.at - at(instant))).toBeLessThan(TOLERANCE_MS);
    });
    const apology = actual.find((s) => s.template === 'promise.apology')!;
    expect(apology.data).toMatchObject({ recovery: 'a personal call', dueAt: '2032-03-30T09:00:00.000Z' });
    expect(apology.recipient).toMatchObject({ kind: 'customer', customerId: 'cust-ada', email: 'ada@example.com' });

    expect(outcome).toMatchObject({ outcome: 'breached', dueAt: '2032-03-30T09:00:00.000Z', owner: 'camille' });
    expect(outcome.breach?.reason).toMatch(/not fulfilled by 2032-03-30T09:00:00.000Z/);
    // closed after the default late-fulfilment window (P30D calendar time)
    expect(Math.abs(outcome.slackMs + 30 * 24 * 3_600_000)).toBeLessThan(TOLERANCE_MS);
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(KeptStatus)).toBe('breached');
    expect(attributes.get(KeptFlags)).toEqual(['breached']);
    expect(attributes.get(KeptTeam)).toBe('client-advisors');
  });
});

describe('fulfilled in time', () => {
  it('sends nothing when fulfilled before the first step, and never breaches later', async () => {
    await skipTo(at('2032-05-03T10:00:00+02:00'));
    made(await promises.makePromise(promise('p-early', { due: { at: '2032-05-04T18:00:00+02:00' } })));
    await skipTo(at('2032-05-03T10:30:00+02:00'));
    const outcome = await promises.fulfilPromise('maison-laurent', 'p-early', { note: 'called back' });
    expect(outcome.outcome).toBe('kept');
    await skipTo(at('2032-05-05T18:00:00+02:00'));
    expect(sentFor('p-early')).toEqual([]);
  });

  it('after reminders, at-risk and the notice, a fulfilment before the due time stops breach, apology and escalation', async () => {
    // Thu 6 May 10:00 CEST + 8 business hours → Fri 10:00 CEST
    await skipTo(at('2032-05-06T10:00:00+02:00'));
    const answer = made(await promises.makePromise(promise('p-late-kept', { due: { within: 'PT8H' } })));
    // Thu 10–12 and 13–18 (7h), Fri 09:00 + 1h
    expect(Math.abs(Date.parse(answer.dueAt) - at('2032-05-07T10:00:00+02:00'))).toBeLessThan(TOLERANCE_MS);
    await skipTo(at('2032-05-07T09:55:00+02:00'));
    await waitFor(() => sentFor('p-late-kept').length === 5);
    const outcome = await promises.fulfilPromise('maison-laurent', 'p-late-kept');
    expect(outcome).toMatchObject({ outcome: 'kept', renegotiations: 0 });
    expect(outcome.slackMs).toBeGreaterThan(4 * 60_000);
    await skipTo(at('2032-05-10T12:00:00+02:00'));
    expect(sentFor('p-late-kept').map(stepOf)).toEqual([
      'reminder-1',
      'customer-notice',
      'at-risk',
      'at-risk-escalation',
      'reminder-2',
    ]);
  });
});

describe('changing a promise', () => {
  it('renegotiation tells the customer, restarts the window and is counted apart from kept', async () => {
    await skipTo(at('2032-05-11T10:00:00+02:00'));
    made(await promises.makePromise(promise('p-reneg', { due: { within: 'PT4H' } })));
    await skipTo(at('2032-05-11T11:00:00+02:00'));
    const state = await promises.renegotiatePromise('maison-laurent', 'p-reneg', {
      due: { within: 'P1D' },
      reason: 'the replacement part arrives tomorrow',
    });
    expect(state).toMatchObject({ renegotiations: 1, status: 'open', flags: ['renegotiated'] });
    expect(Math.abs(Date.parse(state.dueAt) - at('2032-05-12T11:00:00+02:00'))).toBeLessThan(TOLERANCE_MS);
    expect(Math.abs(Date.parse(state.originalDueAt) - at('2032-05-11T15:00:00+02:00'))).toBeLessThan(TOLERANCE_MS);
    // the customer's journey sends it right after the update answered
    await waitFor(() => sentFor('p-reneg').some((s) => stepOf(s) === 'renegotiated-1'));
    const told = sentFor('p-reneg').find((s) => stepOf(s) === 'renegotiated-1')!;
    expect(told).toMatchObject({ template: 'promise.renegotiated', reason: 'the replacement part arrives tomorrow' });
    expect(told.recipient).toMatchObject({ kind: 'customer', customerId: 'cust-ada' });
    expect(told.data.dueAt).toBe(state.dueAt);

    await skipTo(at('2032-05-12T10:00:00+02:00'));
    const outcome = await promises.fulfilPromise('maison-laurent', 'p-reneg');
    expect(outcome).toMatchObject({ outcome: 'renegotiated', renegotiations: 1 });
    // the old window's steps (at-risk at 14:00 on the 11th) never fired; the new window's did
    const steps = sentFor('p-reneg').map(stepOf);
    expect(steps).not.toContain('at-risk');
    expect(steps).not.toContain('breach');
    expect(steps).toEqual(expect.arrayContaining(['due-2/reminder-1', 'due-2/at-risk', 'due-2/reminder-2']));

    // The wait for the old window's first step ended with its timer cancelled, not left to fire.
    const timers = await timersOf(promiseWorkflowId('maison-laurent', 'p-reneg'));
    // Its summary in the UI's timeline gives the brand's time (Maison Laurent is in Paris, on summer time in May).
    expect(timers[0]).toEqual({
      summary: expect.stringMatching(/^reminder-1 at \w{3} 11 May 2032 \d{2}:\d{2} CEST$/),
      ended: 'cancelled',
    });
    expect(timers.filter((timer) => timer.ended === 'running')).toEqual([]);
  });

  it('cancellation tells the customer; any later change is a clear error with nothing written', async () => {
    await skipTo(at('2032-05-13T14:00:00+02:00'));
    made(await promises.makePromise(promise('p-cancel', { due: { within: 'PT4H' }, kind: 'refund' })));
    await skipTo(at('2032-05-13T14:30:00+02:00'));
    const outcome = await promises.cancelPromise('maison-laurent', 'p-cancel', {
      reason: 'customer withdrew the return',
    });
    expect(outcome.outcome).toBe('cancelled');
    await waitFor(() => sentFor('p-cancel').length > 0);
    expect(sentFor('p-cancel').map((s) => [s.template, s.recipient.kind, s.reason])).toEqual([
      ['promise.cancelled', 'customer', 'customer withdrew the return'],
    ]);

    const handle = env.client.workflow.getHandle(promiseWorkflowId('maison-laurent', 'p-cancel'));
    const before = (await handle.fetchHistory()).events?.length;
    await expect(promises.fulfilPromise('maison-laurent', 'p-cancel')).rejects.toThrow(PromiseClosedError);
    await expect(promises.fulfilPromise('maison-laurent', 'p-cancel')).rejects.toThrow(/already cancelled/);
    await expect(
      promises.renegotiatePromise('maison-laurent', 'p-cancel', { due: { within: 'P1D' }, reason: 'x' }),
    ).rejects.toThrow(PromiseClosedError);
    expect((await handle.fetchHistory()).events?.length).toBe(before);
  });

  it('rejects every invalid change before history, reassigns, and refuses to fulfil twice', async () => {
    await skipTo(at('2032-05-14T10:00:00+02:00'));
    made(await promises.makePromise(promise('p-invalid', { due: { within: 'PT8H' } })));
    const handle = env.client.workflow.getHandle(promiseWorkflowId('maison-laurent', 'p-invalid'));
    const before = await promises.getPromise('maison-laurent', 'p-invalid');

    await expect(
      promises.renegotiatePromise('maison-laurent', 'p-invalid', {
        due: { at: '2032-05-13T10:00:00Z' },
        reason: 'oops',
      }),
    ).rejects.toThrow(/due.at: .* is in the past/);
    await expect(
      promises.reassignPromise('maison-laurent', 'p-invalid', { owner: { kind: 'person', id: 'camille' } }),
    ).rejects.toThrow(/already owned by person camille/);
    // client-side zod names the field ...
    await expect(
      promises.renegotiatePromise('maison-laurent', 'p-invalid', { due: { within: 'P1D' } } as never),
    ).rejects.toThrow(/reason/);
    // ... and the workflow's own validator does too, for callers that bypass the client
    const raw = handle.executeUpdate(renegotiatePromiseUpdate, { args: [{ due: { within: 'soon' } } as never] });
    await expect(raw).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(raw).rejects.toMatchObject({ cause: { message: expect.stringMatching(/due/) } });
    await expect(promises.fulfilPromise('maison-laurent', 'p-nope')).rejects.toThrow(PromiseNotFoundError);
    await expect(promises.getPromise('maison-laurent', 'p-nope')).rejects.toThrow(PromiseNotFoundError);
    await expect(promises.makePromise(promise('p-past', { due: { at: '2032-05-01T10:00:00Z' } }))).rejects.toThrow(
      InvalidPromiseError,
    );

    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    const after = await promises.getPromise('maison-laurent', 'p-invalid');
    expect({ ...after, sent: [] }).toEqual({ ...before, sent: [] });

    const reassigned = await promises.reassignPromise('maison-laurent', 'p-invalid', {
      owner: { kind: 'person', id: 'hugo' },
      reason: 'camille is off sick',
    });
    expect(reassigned.owner).toEqual({ kind: 'person', id: 'hugo', team: 'client-advisors' });
    await skipTo(at('2032-05-14T17:30:00+02:00'));
    await waitFor(() => sentFor('p-invalid').some((s) => stepOf(s) === 'reminder-2'));
    const toStaff = sentFor('p-invalid').filter((s) => s.recipient.kind === 'person');
    expect(toStaff.map((s) => [stepOf(s), (s.recipient as { id: string }).id])).toEqual(
      expect.arrayContaining([
        ['reassigned-1', 'hugo'],
        ['reminder-1', 'hugo'],
        ['reminder-2', 'hugo'],
      ]),
    );

    await promises.fulfilPromise('maison-laurent', 'p-invalid', { note: 'done' });
    // The workflow closes once it has told the journey; wait for that without skipping time.
    for (let i = 0; i < 100 && (await handle.describe()).status.name === 'RUNNING'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const length = (await handle.fetchHistory()).events?.length;
    await expect(promises.fulfilPromise('maison-laurent', 'p-invalid')).rejects.toThrow(/already kept/);
    expect((await handle.fetchHistory()).events?.length).toBe(length);
  });
});

describe('durability', () => {
  it('a worker stopped between the making and the due time loses nothing', async () => {
    await skipTo(at('2032-05-17T10:00:00+02:00'));
    // The time-skipping test server never releases a stopped worker's sticky queue, so the
    // worker that makes the promise keeps no cache (no sticky queue); the state lives on the server.
    await stopWorker(worker);
    const bundle = process.env.KEPT_TEST_WORKFLOW_BUNDLE!;
    const first = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: bundle },
      activities: { deliverOutreach },
      maxCachedWorkflows: 0,
    });
    worker = { worker: first, taskQueue, running: first.run() };
    // A customer with no journey yet: a journey cached by the stopped worker would hold the
    // status report in that worker's sticky queue (and the test server's clock with it).
    made(await promises.makePromise(promise('p-restart', { due: { within: 'PT4H' }, customerId: 'cust-bea' })));
    await promises.getPromise('maison-laurent', 'p-restart'); // the first workflow task ran
    // ...and the one after it (the status report to the customer's journey): nothing is left
    // for a worker to do until the first timer.
    const restartHandle = env.client.workflow.getHandle(promiseWorkflowId('maison-laurent', 'p-restart'));
    for (let i = 0; i < 100 && (await restartHandle.describe()).raw.pendingWorkflowTask; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await stopWorker(worker);

    // No worker for an hour and a half of the window (the time-skipping server holds its clock
    // while a workflow task waits for a worker, so the worker is down between timers).
    await skipTo(at('2032-05-17T11:30:00+02:00'));
    expect(sentFor('p-restart')).toEqual([]);

    // A new worker on the same task queue: it has no cache and rebuilds the promise from history.
    worker = await startKeptWorker(env, { taskQueue, extraActivities: { deliverOutreach } });
    await skipTo(at('2032-06-18T12:00:00+02:00'));
    const outcome = await resultOf(promiseWorkflowId('maison-laurent', 'p-restart'));
    expect(outcome.outcome).toBe('breached');
    const steps = sentFor('p-restart').map(stepOf);
    expect(steps).toEqual([
      'reminder-1',
      'customer-notice',
      'at-risk',
      'at-risk-escalation',
      'reminder-2',
      'apology',
      'breach',
      'escalation-1',
      'escalation-2',
      'escalation-3',
    ]);
    expect(new Set(steps).size).toBe(steps.length);
    const escalation3 = sentFor('p-restart').find((m) => stepOf(m) === 'escalation-3')!;
    expect(Math.abs(escalation3.at - at('2032-05-17T17:00:00+02:00'))).toBeLessThan(TOLERANCE_MS);
  }, 30_000);
});

function resultOf(workflowId: string): Promise<PromiseOutcome> {
  return new Client({ connection: env.connection, namespace: 'default' }).workflow.getHandle(workflowId).result();
}

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function recipientOf(message: Sent): string {
  return message.recipient.kind === 'customer'
    ? `customer:${message.recipient.customerId}`
    : `${message.recipient.kind}:${message.recipient.id}`;
}
