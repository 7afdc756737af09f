import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { journeyWorkflowId, orderWorkflowId } from '../common/ids';
import { createUnsubscribeToken } from '../common/outreach/unsubscribe';
import { deliverOutreach, eventually, startApiProcess, UNSUBSCRIBE_SECRET, type ApiProcess } from './helpers/api';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * The HTTP API over real HTTP, against the real worker and dev server: happy paths, every
 * 4xx, isolation between brands, and an oversized body.
 */
const suffix = randomUUID().slice(0, 8);
const brandA = `api-a-${suffix}`;
const brandB = `api-b-${suffix}`;
const keyA = `key-a-${randomUUID()}`;
const keyB = `key-b-${randomUUID()}`;

let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let api: ApiProcess;
let baseUrl: string;

beforeAll(async () => {
  env = await connectDevServer();
  worker = await startKeptWorker(env, { extraActivities: { deliverOutreach } });
  api = await startApiProcess({ taskQueue: worker.taskQueue, keys: { [brandA]: keyA, [brandB]: keyB } });
  baseUrl = api.baseUrl;
});

afterAll(async () => {
  await api?.stop();
  await stopWorker(worker);
  await env.teardown();
});

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of many shapes, asserted field by field
  text: string;
}

async function call(
  method: string,
  url: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${url}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text };
}

let sequence = 0;
/** Live events happened recently: a day ago plus a minute per event, so they keep their order. */
const startOfEvents = Date.now() - 86_400_000;
function event(brand: string, customerId: string, type: string, fields: Record<string, unknown> = {}) {
  sequence += 1;
  return {
    type,
    eventId: `e-${suffix}-${sequence}`,
    brand,
    customerId,
    occurredAt: new Date(startOfEvents + sequence * 60_000).toISOString(),
    ...fields,
  };
}
const item = { sku: 'lamp-1', name: 'Desk lamp', category: 'lighting', price: 59 };

describe('health, readiness and documentation', () => {
  it('answers liveness and readiness without a key', async () => {
    expect(await call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call('GET', '/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const spec = await call('GET', '/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/events',
        '/v1/events/batch',
        '/v1/brands/{brand}/customers/{customerId}/journey',
        '/v1/brands/{brand}/promises',
        '/v1/brands/{brand}/promises/{promiseId}/fulfil',
        '/v1/brands/{brand}/customers/{customerId}/consent',
        '/unsubscribe',
      ]),
    );
    // The event body is documented from the zod vocabulary itself.
    expect(JSON.stringify(spec.body.paths['/v1/events'].post.requestBody)).toContain('order.placed');
    const docs = await call('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger');
  });

  it('answers 404 for an unknown route', async () => {
    expect(await call('GET', '/v1/nothing-here')).toMatchObject({ status: 404, body: { error: expect.any(String) } });
  });
});

describe('events and journeys', () => {
  it('records one event (202), a duplicate (202, duplicate), and reads the journey', async () => {
    const placed = event(brandA, 'ada', 'order.placed', { orderId: 'o-1', items: [item] });
    const first = await call('POST', '/v1/events', { key: keyA, body: placed });
    expect(first).toMatchObject({
      status: 202,
      body: { eventId: placed.eventId, applied: true, duplicate: false, stage: 'purchase' },
    });
    const again = await call('POST', '/v1/events', { key: keyA, body: placed });
    expect(again).toMatchObject({ status: 202, body: { applied: false, duplicate: true } });

    const journey = await call('GET', `/v1/brands/${brandA}/customers/ada/journey`, { key: keyA });
    expect(journey.status).toBe(200);
    expect(journey.body).toMatchObject({ brand: brandA, customerId: 'ada', stage: 'purchase' });
    expect(journey.body.counters).toMatchObject({ eventsApplied: 1, duplicatesIgnored: 1, ordersPlaced: 1 });
  });

  it('records a batch (202) in occurredAt order, whatever order it was sent in', async () => {
    const viewed = event(brandA, 'bo', 'product.viewed', { sku: 'lamp-1' });
    const placed = event(brandA, 'bo', 'order.placed', { orderId: 'o-2', items: [item] });
    const other = event(brandA, 'cy', 'quote.requested', { quoteId: 'q-1' });
    const answer = await call('POST', '/v1/events/batch', { key: keyA, body: [placed, other, viewed] });
    expect(answer.status).toBe(202);
    expect(answer.body.results.map((r: { eventId: string; stage: string }) => [r.eventId, r.stage])).toEqual([
      [placed.eventId, 'purchase'],
      [other.eventId, 'compare'],
      [viewed.eventId, 'research'],
    ]);
    const journey = await call('GET', `/v1/brands/${brandA}/customers/bo/journey`, { key: keyA });
    expect(journey.body.stageHistory.map((s: { stage: string }) => s.stage)).toEqual(['research', 'purchase']);
  });

  it('answers 400 naming the failing field', async () => {
    const badPrice = await call('POST', '/v1/events', {
      key: keyA,
      body: event(brandA, 'ada', 'order.placed', { orderId: 'o-9', items: [{ ...item, price: 'cheap' }] }),
    });
    expect(badPrice.status).toBe(400);
    expect(badPrice.body.issues).toEqual([{ path: 'body.items.0.price', message: expect.stringContaining('number') }]);
    expect(badPrice.body.error).toContain('body.items.0.price');

    const unknownType = await call('POST', '/v1/events', { key: keyA, body: event(brandA, 'ada', 'order.teleported') });
    expect(unknownType).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'body.type', message: 'unknown event type' }] },
    });

    const extraField = await call('POST', '/v1/events', {
      key: keyA,
      body: event(brandA, 'ada', 'product.viewed', { sku: 's', colour: 'red' }),
    });
    expect(extraField.status).toBe(400);
    expect(extraField.body.error).toContain('colour');

    const badParam = await call('GET', `/v1/brands/${brandA}/customers/${encodeURIComponent('a b')}/journey`, {
      key: keyA,
    });
    expect(badParam).toMatchObject({ status: 400, body: { issues: [{ path: 'params.customerId' }] } });

    const emptyBatch = await call('POST', '/v1/events/batch', { key: keyA, body: [] });
    expect(emptyBatch).toMatchObject({ status: 400, body: { issues: [{ path: 'body' }] } });

    const notJson = await call('POST', '/v1/events', { key: keyA, body: '{"type": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/JSON/i);
  });

  it('answers 401 without a key or with an unknown one, by either header', async () => {
    const body = event(brandA, 'ada', 'product.viewed', { sku: 'lamp-1' });
    expect(await call('POST', '/v1/events', { body })).toMatchObject({
      status: 401,
      body: { error: expect.stringContaining('missing API key') },
    });
    expect(await call('POST', '/v1/events', { key: 'not-a-key', body })).toMatchObject({ status: 401 });
    expect(await call('POST', '/v1/events', { body, headers: { 'x-api-key': 'nope' } })).toMatchObject({ status: 401 });
    expect(await call('POST', '/v1/events', { body, headers: { 'x-api-key': keyA } })).toMatchObject({ status: 202 });
  });

  it('isolates brands: a key of brand B neither reads nor changes brand A (403)', async () => {
    const readA = await call('GET', `/v1/brands/${brandA}/customers/ada/journey`, { key: keyB });
    expect(readA).toMatchObject({ status: 403, body: { error: expect.stringContaining(brandA) } });
    expect(readA.text).not.toContain('stageHistory');

    const writeA = await call('POST', '/v1/events', {
      key: keyB,
      body: event(brandA, 'ada', 'product.viewed', { sku: 'x' }),
    });
    expect(writeA.status).toBe(403);
    const mixedBatch = await call('POST', '/v1/events/batch', {
      key: keyB,
      body: [
        event(brandB, 'zed', 'product.viewed', { sku: 'x' }),
        event(brandA, 'ada', 'product.viewed', { sku: 'x' }),
      ],
    });
    expect(mixedBatch.status).toBe(403);
    const consentA = await call('POST', `/v1/brands/${brandA}/customers/ada/consent`, {
      key: keyB,
      body: { category: 'promotional', granted: false },
    });
    expect(consentA.status).toBe(403);
    expect(await call('GET', `/v1/brands/${brandA}/promises`, { key: keyB })).toMatchObject({ status: 403 });

    // Nothing of B's reached A's journey; B's own customer never started.
    const journey = await call('GET', `/v1/brands/${brandA}/customers/ada/journey`, { key: keyA });
    expect(journey.body.counters.eventsApplied).toBe(2);
    expect(await call('GET', `/v1/brands/${brandB}/customers/zed/journey`, { key: keyB })).toMatchObject({
      status: 404,
    });
  });

  it('answers 404 for a journey that does not exist', async () => {
    const answer = await call('GET', `/v1/brands/${brandA}/customers/nobody/journey`, { key: keyA });
    expect(answer).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining('no journey for customer nobody') },
    });
  });

  it('answers 413 for a body over the limit (1 MiB)', async () => {
    const huge = event(brandA, 'ada', 'question.asked', { questionId: 'q-big', text: 'x'.repeat(1_100_000) });
    const answer = await call('POST', '/v1/events', { key: keyA, body: huge });
    expect(answer).toMatchObject({ status: 413, body: { error: expect.any(String) } });
  });
});

describe('consent and one-click unsubscribe', () => {
  it('records a consent change on the journey (202)', async () => {
    const answer = await call('POST', `/v1/brands/${brandA}/customers/ada/consent`, {
      key: keyA,
      body: { category: 'educational', channel: 'email', granted: true },
    });
    expect(answer).toMatchObject({ status: 202, body: { applied: true } });
    const journey = await call('GET', `/v1/brands/${brandA}/customers/ada/journey`, { key: keyA });
    expect(journey.body.profile.consent.educational).toEqual({ email: true });
    const bad = await call('POST', `/v1/brands/${brandA}/customers/ada/consent`, {
      key: keyA,
      body: { category: 'spam', granted: 'yes' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: { path: string }) => i.path).sort()).toEqual(['body.category', 'body.granted']);
  });

  it('shows a confirmation page on GET and unsubscribes on the RFC 8058 POST, once', async () => {
    const token = createUnsubscribeToken(
      { brand: brandA, customerId: 'ada', category: 'promotional' },
      UNSUBSCRIBE_SECRET,
      new Date(),
    );
    const page = await call('GET', `/unsubscribe?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Stop promotional messages from');
    expect(page.text).toContain('<form method="post"');

    const form = {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
    const first = await call('POST', `/unsubscribe?token=${token}`, form);
    expect(first).toMatchObject({ status: 200, body: { unsubscribed: true, brand: brandA, category: 'promotional' } });
    const again = await call('POST', `/v1/unsubscribe?token=${token}`, form);
    expect(again.status).toBe(200);

    const journey = await call('GET', `/v1/brands/${brandA}/customers/ada/journey`, { key: keyA });
    expect(journey.body.profile.consent.promotional).toEqual({ '*': false });
    expect(journey.body.counters.duplicatesIgnored).toBe(2); // the earlier duplicate event, and the second click
  });

  it('refuses a forged or expired token (400)', async () => {
    const token = createUnsubscribeToken(
      { brand: brandA, customerId: 'ada', category: 'promotional' },
      'another-secret-0123456789',
      new Date(),
    );
    expect(await call('POST', `/unsubscribe?token=${token}`)).toMatchObject({
      status: 400,
      body: { error: 'invalid unsubscribe token: not recognised' },
    });
    const old = createUnsubscribeToken(
      { brand: brandA, customerId: 'ada', category: 'promotional' },
      UNSUBSCRIBE_SECRET,
      new Date('2020-01-01'),
    );
    expect(await call('GET', `/unsubscribe?token=${old}`)).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('expired') },
    });
    expect(await call('GET', '/unsubscribe')).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'querystring.token' }] },
    });
  });
});

describe('promises', () => {
  const inOneHour = () => new Date(Date.now() + 3_600_000).toISOString();
  const promise = (promiseId: string, extra: Record<string, unknown> = {}) => ({
    customerId: 'ada',
    promiseId,
    text: 'Call back about the lamp',
    kind: 'callback',
    owner: { kind: 'person', id: 'sam', team: 'support' },
    channel: 'phone',
    due: { at: inOneHour() },
    ...extra,
  });

  it('makes (201), reads, lists by owner and state, and fulfils a promise (then 409)', async () => {
    const made = await call('POST', `/v1/brands/${brandA}/promises`, { key: keyA, body: promise('p-1') });
    expect(made).toMatchObject({ status: 201, body: { made: true, promiseId: 'p-1' } });
    const remade = await call('POST', `/v1/brands/${brandA}/promises`, { key: keyA, body: promise('p-1') });
    expect(remade).toMatchObject({ status: 200, body: { existed: true } });

    const read = await call('GET', `/v1/brands/${brandA}/promises/p-1`, { key: keyA });
    expect(read).toMatchObject({ status: 200, body: { promiseId: 'p-1', status: 'open', owner: { id: 'sam' } } });

    await eventually(async () => {
      const listed = await call('GET', `/v1/brands/${brandA}/promises?owner=sam&status=open`, { key: keyA });
      expect(listed.body.promises.map((p: { promiseId: string }) => p.promiseId)).toEqual(['p-1']);
    });

    const fulfilled = await call('POST', `/v1/brands/${brandA}/promises/p-1/fulfil`, {
      key: keyA,
      body: { note: 'called' },
    });
    expect(fulfilled).toMatchObject({ status: 200, body: { outcome: 'kept', promiseId: 'p-1' } });
    const twice = await call('POST', `/v1/brands/${brandA}/promises/p-1/fulfil`, { key: keyA, body: {} });
    expect(twice).toMatchObject({ status: 409, body: { error: expect.stringContaining('kept') } });
    await eventually(async () => {
      const kept = await call('GET', `/v1/brands/${brandA}/promises?status=kept`, { key: keyA });
      expect(kept.body.promises).toEqual([expect.objectContaining({ promiseId: 'p-1', running: false })]);
    });
  });

  it('renegotiates, reassigns and cancels; rejects bad changes (400) and unknown promises (404)', async () => {
    await call('POST', `/v1/brands/${brandA}/promises`, { key: keyA, body: promise('p-2') });
    const later = new Date(Date.now() + 7_200_000).toISOString();
    const moved = await call('POST', `/v1/brands/${brandA}/promises/p-2/renegotiate`, {
      key: keyA,
      body: { due: { at: later }, reason: 'customer asked for the afternoon' },
    });
    expect(moved).toMatchObject({ status: 200, body: { dueAt: later, renegotiations: 1 } });

    const noReason = await call('POST', `/v1/brands/${brandA}/promises/p-2/renegotiate`, {
      key: keyA,
      body: { due: { at: later } },
    });
    expect(noReason).toMatchObject({ status: 400, body: { issues: [{ path: 'body.reason' }] } });

    const reassigned = await call('POST', `/v1/brands/${brandA}/promises/p-2/reassign`, {
      key: keyA,
      body: { owner: { kind: 'person', id: 'priya', team: 'support' } },
    });
    expect(reassigned).toMatchObject({ status: 200, body: { owner: { id: 'priya' } } });
    const cancelled = await call('POST', `/v1/brands/${brandA}/promises/p-2/cancel`, {
      key: keyA,
      body: { reason: 'order cancelled' },
    });
    expect(cancelled).toMatchObject({ status: 200, body: { outcome: 'cancelled' } });

    const missing = await call('POST', `/v1/brands/${brandA}/promises/p-none/fulfil`, { key: keyA, body: {} });
    expect(missing).toMatchObject({ status: 404, body: { error: expect.stringContaining('no promise p-none') } });
    expect(await call('GET', `/v1/brands/${brandA}/promises/p-none`, { key: keyA })).toMatchObject({ status: 404 });
    const badMake = await call('POST', `/v1/brands/${brandA}/promises`, {
      key: keyA,
      body: promise('p-3', { kind: 'hug' }),
    });
    expect(badMake).toMatchObject({ status: 400, body: { issues: [{ path: 'body.kind' }] } });
    const otherBrand = await call('POST', `/v1/brands/${brandA}/promises/p-2/cancel`, {
      key: keyB,
      body: { reason: 'x' },
    });
    expect(otherBrand.status).toBe(403);
  });

  it('rejects a promise due in three years (400, saying why) and makes nothing', async () => {
    const threeYears = new Date(Date.now() + 3 * 365 * 24 * 3_600_000).toISOString();
    const farAt = await call('POST', `/v1/brands/${brandA}/promises`, {
      key: keyA,
      body: promise('p-far', { due: { at: threeYears } }),
    });
    expect(farAt.status).toBe(400);
    expect(farAt.body.error).toMatch(
      new RegExp(
        `^due: ${threeYears.replace(/\./g, '\\.')} is more than 730 days after .*; Kept keeps promises due within 730 days$`,
      ),
    );
    const farWithin = await call('POST', `/v1/brands/${brandA}/promises`, {
      key: keyA,
      body: promise('p-far', { due: { within: 'P1000D' } }),
    });
    expect(farWithin).toMatchObject({ status: 400, body: { issues: [{ path: 'body.due.within' }] } });
    expect(await call('GET', `/v1/brands/${brandA}/promises/p-far`, { key: keyA })).toMatchObject({ status: 404 });
  });
});

/** Whether a workflow with this id exists at all (any run, any state). */
async function workflowExists(workflowId: string): Promise<boolean> {
  try {
    await env.client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

async function historyLength(workflowId: string): Promise<number> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events?.length ?? 0;
}

describe('bad input at the front door (issue 10)', () => {
  const farFuture = '9999-12-31T23:59:59-14:00';
  const beforeYearOne = '0000-01-01T00:00:00+14:00';
  const q = encodeURIComponent;
  const promiseBody = (promiseId: string, extra: Record<string, unknown>) => ({
    customerId: 'ada',
    promiseId,
    text: 'Call back',
    kind: 'callback',
    owner: { kind: 'person', id: 'sam', team: 'support' },
    channel: 'phone',
    ...extra,
  });
  const issuePaths = (answer: Answer) => (answer.body.issues ?? []).map((issue: { path: string }) => issue.path);

  it('answers 400 naming the field for instants out of range in promise queries and promises', async () => {
    const before = await call('GET', `/v1/brands/${brandA}/promises?dueBefore=${q(farFuture)}`, { key: keyA });
    expect(before).toMatchObject({ status: 400, body: { issues: [{ path: 'querystring.dueBefore' }] } });
    const after = await call('GET', `/v1/brands/${brandA}/promises?dueAfter=${q(beforeYearOne)}`, { key: keyA });
    expect(after).toMatchObject({ status: 400, body: { issues: [{ path: 'querystring.dueAfter' }] } });

    const withinAYear = await call('POST', `/v1/brands/${brandA}/promises`, {
      key: keyA,
      body: promiseBody('p-year', { due: { within: 'P1Y' } }),
    });
    expect(withinAYear.status).toBe(400);
    expect(withinAYear.body.error).toMatch(/^(body\.)?due/);

    const atFarFuture = await call('POST', `/v1/brands/${brandA}/promises`, {
      key: keyA,
      body: promiseBody('p-far', { due: { at: farFuture } }),
    });
    expect(atFarFuture.status).toBe(400);
    expect(issuePaths(atFarFuture)[0]).toMatch(/^body\.due/);

    const createdLongAgo = await call('POST', `/v1/brands/${brandA}/promises`, {
      key: keyA,
      body: promiseBody('p-old', { due: { within: 'PT4H' }, createdAt: beforeYearOne }),
    });
    expect(createdLongAgo).toMatchObject({ status: 400, body: { issues: [{ path: 'body.createdAt' }] } });

    // None of them was made.
    for (const promiseId of ['p-year', 'p-far', 'p-old']) {
      expect(await call('GET', `/v1/brands/${brandA}/promises/${promiseId}`, { key: keyA })).toMatchObject({
        status: 404,
      });
    }
  });

  it('refuses events far ahead, before 1970 or beyond the clock skew, and writes nothing', async () => {
    const customer = 'time-traveller';
    const answers = {
      year9999: await call('POST', '/v1/events', {
        key: keyA,
        body: { ...event(brandA, customer, 'product.viewed', { sku: 's' }), occurredAt: farFuture },
      }),
      before1970: await call('POST', '/v1/events', {
        key: keyA,
        body: { ...event(brandA, customer, 'product.viewed', { sku: 's' }), occurredAt: '1969-12-31T23:59:59Z' },
      }),
      anHourAhead: await call('POST', '/v1/events', {
        key: keyA,
        body: {
          ...event(brandA, customer, 'product.viewed', { sku: 's' }),
          occurredAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      }),
      deliveryInThreeYears: await call('POST', '/v1/events', {
        key: keyA,
        body: event(brandA, customer, 'order.placed', {
          orderId: `o-late-${suffix}`,
          items: [item],
          promisedDeliveryAt: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString(),
        }),
      }),
      warrantyIn9999: await call('POST', '/v1/events/batch', {
        key: keyA,
        body: [
          event(brandA, customer, 'order.placed', {
            orderId: `o-warranty-${suffix}`,
            items: [{ ...item, warrantyEndsAt: farFuture }],
          }),
        ],
      }),
    };
    expect(issuePaths(answers.year9999)).toEqual(['body.occurredAt']);
    expect(issuePaths(answers.before1970)).toEqual(['body.occurredAt']);
    expect(issuePaths(answers.warrantyIn9999)).toEqual(['body.0.items.0.warrantyEndsAt']);
    expect(answers.anHourAhead).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/occurredAt: .* future/) },
    });
    expect(answers.deliveryInThreeYears).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/promisedDeliveryAt: .* days ahead/) },
    });
    for (const answer of Object.values(answers)) expect(answer.status).toBe(400);
    expect(await workflowExists(journeyWorkflowId(brandA, customer))).toBe(false);

    // Inside the window (a few minutes of skew) is fine.
    const slightlyAhead = await call('POST', '/v1/events', {
      key: keyA,
      body: {
        ...event(brandA, 'punctual', 'product.viewed', { sku: 's' }),
        occurredAt: new Date(Date.now() + 5 * 60_000).toISOString(),
      },
    });
    expect(slightlyAhead.status).toBe(202);
  });

  it("answers 409 when a customer names another customer's order, and A's order is unchanged", async () => {
    const orderId = `o-shared-${suffix}`;
    const placed = await call('POST', '/v1/events', {
      key: keyA,
      body: event(brandA, 'owner-a', 'order.placed', { orderId, items: [item] }),
    });
    expect(placed.status).toBe(202);
    const orderWorkflow = orderWorkflowId(brandA, orderId);
    await eventually(async () => expect(await workflowExists(orderWorkflow)).toBe(true));
    const lengthBefore = await historyLength(orderWorkflow);

    const delivered = await call('POST', '/v1/events', {
      key: keyA,
      body: event(brandA, 'intruder-b', 'shipment.delivered', { orderId }),
    });
    expect(delivered).toMatchObject({ status: 409, body: { error: expect.stringContaining('another customer') } });
    const batch = await call('POST', '/v1/events/batch', {
      key: keyA,
      body: [
        event(brandA, 'intruder-b', 'product.viewed', { sku: 's' }),
        event(brandA, 'intruder-b', 'order.placed', { orderId, items: [item] }),
      ],
    });
    expect(batch.status).toBe(409);

    // The owner's own events still go through.
    const dispatched = await call('POST', '/v1/events', {
      key: keyA,
      body: event(brandA, 'owner-a', 'shipment.dispatched', { orderId }),
    });
    expect(dispatched.status).toBe(202);
    // The signal lands in history before the order's workflow task has applied it: wait for the state.
    await eventually(async () => {
      expect(await historyLength(orderWorkflow)).toBeGreaterThan(lengthBefore);
      const order = await env.client.workflow.getHandle(orderWorkflow).query<{ status: string }>('orderState');
      expect(order.status).toBe('dispatched');
    });
    expect(await workflowExists(journeyWorkflowId(brandA, 'intruder-b'))).toBe(false);
  });

  it('answers each event of a batch for itself when two share an event id', async () => {
    const viewed = event(brandA, 'twins', 'product.viewed', { sku: 'lamp-1' });
    const placed = { ...event(brandA, 'twins', 'order.placed', { orderId: `o-twins-${suffix}`, items: [item] }) };
    placed.eventId = viewed.eventId;
    const answer = await call('POST', '/v1/events/batch', { key: keyA, body: [viewed, placed] });
    expect(answer.status).toBe(202);
    expect(answer.body.results).toEqual([
      { eventId: viewed.eventId, applied: true, duplicate: false, stage: 'research' },
      { eventId: viewed.eventId, applied: false, duplicate: true, stage: 'research' },
    ]);
  });

  it('authenticates before validating: no key or an unknown key is 401 even for a bad body', async () => {
    const bad = { type: 'order.placed', items: 'none' };
    for (const key of [undefined, 'not-a-key']) {
      const answer = await call('POST', '/v1/events', { key, body: bad });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ error: expect.any(String) });
      expect(answer.text).not.toContain('items');
    }
    const noKeyNotJson = await call('POST', '/v1/events/batch', { body: '{"type": ' });
    expect(noKeyNotJson.status).toBe(401);
    expect((await call('POST', '/v1/events', { key: keyA, body: bad })).status).toBe(400);
  });

  it('answers 415 with the documented shape for a form body or JSON in another charset', async () => {
    const body = event(brandA, 'charset', 'product.viewed', { sku: 's' });
    const form = await call('POST', '/v1/events', {
      key: keyA,
      body: new URLSearchParams(Object.entries(body)).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form).toMatchObject({ status: 415, body: { error: expect.any(String) } });
    expect(Object.keys(form.body)).toEqual(['error']);
    const latin1 = await call('POST', '/v1/events', {
      key: keyA,
      body,
      headers: { 'content-type': 'application/json; charset=latin1' },
    });
    expect(latin1).toMatchObject({ status: 415, body: { error: expect.stringContaining('latin1') } });
    expect(Object.keys(latin1.body)).toEqual(['error']);
    expect(await workflowExists(journeyWorkflowId(brandA, 'charset'))).toBe(false);
    const utf8 = await call('POST', '/v1/events', {
      key: keyA,
      body,
      headers: { 'content-type': 'application/json; charset=UTF-8' },
    });
    expect(utf8.status).toBe(202);
  });

  it('answers an unsubscribe token for an unknown customer like a forged one, and starts no journey', async () => {
    const stranger = `stranger-${suffix}`;
    const token = createUnsubscribeToken(
      { brand: brandA, customerId: stranger, category: 'promotional' },
      UNSUBSCRIBE_SECRET,
      new Date(),
    );
    const forged = createUnsubscribeToken(
      { brand: brandA, customerId: 'ada', category: 'promotional' },
      'another-secret-0123456789',
      new Date(),
    );
    const form = {
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
    const unknownPost = await call('POST', `/unsubscribe?token=${token}`, form);
    const forgedPost = await call('POST', `/unsubscribe?token=${forged}`, form);
    expect(unknownPost.status).toBe(400);
    expect({ status: unknownPost.status, body: unknownPost.body }).toEqual({
      status: forgedPost.status,
      body: forgedPost.body,
    });
    const unknownPage = await call('GET', `/unsubscribe?token=${token}`);
    const forgedPage = await call('GET', `/unsubscribe?token=${forged}`);
    expect({ status: unknownPage.status, body: unknownPage.body }).toEqual({
      status: forgedPage.status,
      body: forgedPage.body,
    });
    expect(await workflowExists(journeyWorkflowId(brandA, stranger))).toBe(false);
  });
});
