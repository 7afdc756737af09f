import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deliverOutreach, eventually, startApiProcess, type ApiProcess } from './helpers/api';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * What only the CLI could do, over real HTTP against the real worker and dev server: pause,
 * resume and cancel outreach, the report (real promises breaching on the server), journey
 * search, batch bodies in both shapes, and the warning for a brand without a service profile.
 */
const suffix = randomUUID().slice(0, 8);
const brand = `op-a-${suffix}`;
const bare = `op-bare-${suffix}`; // an API key, but no service profile
const key = `key-op-a-${randomUUID()}`;
const bareKey = `key-op-bare-${randomUUID()}`;

let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let api: ApiProcess;

beforeAll(async () => {
  env = await connectDevServer();
  worker = await startKeptWorker(env, { extraActivities: { deliverOutreach } });
  // Profiles are written for the brands in `keys`; the bare brand gets its key from the env alone.
  api = await startApiProcess({
    taskQueue: worker.taskQueue,
    keys: { [brand]: key },
    env: { KEPT_API_KEYS: `${brand}:${key},${bare}:${bareKey}` },
  });
});

afterAll(async () => {
  await api?.stop();
  await stopWorker(worker);
  await env.teardown();
});

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of many shapes, asserted field by field
}

async function call(method: string, url: string, options: { key?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = options.key ? { authorization: `Bearer ${options.key}` } : {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const response = await fetch(`${api.baseUrl}${url}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

let sequence = 0;
const startOfEvents = Date.now() - 86_400_000;
function event(eventBrand: string, customerId: string, type: string, fields: Record<string, unknown> = {}) {
  sequence += 1;
  return {
    type,
    eventId: `op-${suffix}-${sequence}`,
    brand: eventBrand,
    customerId,
    occurredAt: new Date(startOfEvents + sequence * 60_000).toISOString(),
    ...fields,
  };
}
const item = { sku: 'lamp-1', name: 'Desk lamp', category: 'lighting', price: 59 };
const placed = (eventBrand: string, customerId: string, orderId: string) =>
  event(eventBrand, customerId, 'order.placed', { orderId, items: [item] });
const outreach = (customerId: string, action: string) =>
  `/v1/brands/${brand}/customers/${customerId}/outreach/${action}`;

describe('events: batch shapes and warnings', () => {
  it('accepts a batch as { events: [...] } and as a bare array', async () => {
    const wrapped = await call('POST', '/v1/events/batch', {
      key,
      body: { events: [placed(brand, 'bea', 'o-b1'), event(brand, 'bea', 'product.viewed', { sku: 'lamp-1' })] },
    });
    expect(wrapped.status).toBe(202);
    expect(wrapped.body.results.map((r: { applied: boolean }) => r.applied)).toEqual([true, true]);
    const array = await call('POST', '/v1/events/batch', { key, body: [placed(brand, 'cid', 'o-c1')] });
    expect(array).toMatchObject({ status: 202, body: { results: [{ applied: true, stage: 'purchase' }] } });
    // A brand with a profile is served: nothing to warn about.
    expect(array.body.warnings).toBeUndefined();
  });

  it('answers 400 naming the field for a bad batch in either shape', async () => {
    const empty = await call('POST', '/v1/events/batch', { key, body: { events: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatch(/events|body/);
    const extra = await call('POST', '/v1/events/batch', {
      key,
      body: { events: [placed(brand, 'bea', 'o-b2')], dryRun: true },
    });
    expect(extra.status).toBe(400);
    const badEvent = await call('POST', '/v1/events/batch', {
      key,
      body: { events: [{ ...placed(brand, 'bea', 'o-b3'), occurredAt: 'yesterday' }] },
    });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.error).toContain('occurredAt');
  });

  it('warns when an event is accepted for a brand without a service profile', async () => {
    const one = await call('POST', '/v1/events', { key: bareKey, body: placed(bare, 'dag', 'o-d1') });
    expect(one.status).toBe(202);
    expect(one.body.applied).toBe(true);
    expect(one.body.warnings).toEqual([expect.stringContaining(`brand ${bare} has no service profile`)]);
    expect(one.body.warnings[0]).toContain('no promises and send no outreach');
    const batch = await call('POST', '/v1/events/batch', { key: bareKey, body: [placed(bare, 'dag', 'o-d2')] });
    expect(batch.body.warnings).toEqual([expect.stringContaining(`brand ${bare} has no service profile`)]);
  });
});

describe('outreach: pause, resume, cancel', () => {
  beforeAll(async () => {
    expect((await call('POST', '/v1/events', { key, body: placed(brand, 'eva', 'o-e1') })).status).toBe(202);
  });

  it('pauses until a time, shows it on the journey, finds it by flag, and resumes', async () => {
    const until = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const paused = await call('POST', outreach('eva', 'pause'), { key, body: { reason: 'complaint open', until } });
    expect(paused).toMatchObject({ status: 200, body: { paused: expect.any(Number) } });
    const journey = await call('GET', `/v1/brands/${brand}/customers/eva/journey`, { key });
    expect(journey.body.outreach.customerPause).toEqual({ until, reason: 'complaint open' });

    await eventually(async () => {
      const found = await call('GET', `/v1/brands/${brand}/journeys?flags=outreach-paused`, { key });
      expect(found.status).toBe(200);
      expect(found.body.journeys.map((j: { customerId: string }) => j.customerId)).toEqual(['eva']);
    }, 30_000);

    const resumed = await call('POST', outreach('eva', 'resume'), { key, body: {} });
    expect(resumed).toMatchObject({ status: 200, body: { resumed: expect.any(Number) } });
    const after = await call('GET', `/v1/brands/${brand}/customers/eva/journey`, { key });
    expect(after.body.outreach.customerPause).toBeUndefined();
  });

  it('cancels pending outreach with a reason', async () => {
    const cancelled = await call('POST', outreach('eva', 'cancel'), {
      key,
      body: { reason: 'customer asked us to stop' },
    });
    expect(cancelled).toMatchObject({ status: 200, body: { cancelled: expect.any(Number) } });
  });

  it('answers 400 for bad input, naming the field, and 404 for an unknown customer', async () => {
    const noReason = await call('POST', outreach('eva', 'pause'), { key, body: {} });
    expect(noReason).toMatchObject({ status: 400, body: { issues: [{ path: 'body.reason' }] } });
    const badUntil = await call('POST', outreach('eva', 'pause'), { key, body: { reason: 'r', until: 'soon' } });
    expect(badUntil.status).toBe(400);
    expect(badUntil.body.issues).toContainEqual(expect.objectContaining({ path: 'body.until' }));
    // The journey's own validator rejects a pause that would end before it starts.
    const past = await call('POST', outreach('eva', 'pause'), {
      key,
      body: { reason: 'r', until: new Date(Date.now() - 60_000).toISOString() },
    });
    expect(past.status).toBe(400);
    expect(past.body.error).toContain('in the past');
    const unknownField = await call('POST', outreach('eva', 'resume'), { key, body: { everything: true } });
    expect(unknownField.status).toBe(400);
    const nobody = await call('POST', outreach('nobody', 'pause'), { key, body: { reason: 'r' } });
    expect(nobody.status).toBe(404);
    const otherBrand = await call('POST', outreach('eva', 'pause'), { key: bareKey, body: { reason: 'r' } });
    expect(otherBrand.status).toBe(403);
  });
});

describe('journey search', () => {
  it('finds running journeys by stage, and answers 400 for a bad stage, flag or instant', async () => {
    await eventually(async () => {
      const found = await call('GET', `/v1/brands/${brand}/journeys?stage=purchase`, { key });
      expect(found.status).toBe(200);
      const ids = found.body.journeys.map((j: { customerId: string }) => j.customerId);
      expect(ids).toEqual(expect.arrayContaining(['bea', 'cid', 'eva']));
      expect(found.body.journeys.find((j: { customerId: string }) => j.customerId === 'cid')).toMatchObject({
        stage: 'purchase',
        workflowId: `kept/${brand}/customer/cid`,
        summary: expect.stringContaining(`Journey of cid at ${brand} — stage: purchase`),
      });
    }, 30_000);
    const none = await call('GET', `/v1/brands/${brand}/journeys?stage=repair`, { key });
    expect(none.body).toEqual({ journeys: [] });

    const badStage = await call('GET', `/v1/brands/${brand}/journeys?stage=shopping`, { key });
    expect(badStage).toMatchObject({ status: 400, body: { issues: [{ path: 'querystring.stage' }] } });
    const badFlag = await call('GET', `/v1/brands/${brand}/journeys?flags=${encodeURIComponent("late' OR 1=1")}`, {
      key,
    });
    expect(badFlag.status).toBe(400);
    expect(badFlag.body.error).toContain('flags');
    const badDue = await call('GET', `/v1/brands/${brand}/journeys?dueBefore=tomorrow`, { key });
    expect(badDue.status).toBe(400);
    expect(badDue.body.issues).toContainEqual(expect.objectContaining({ path: 'querystring.dueBefore' }));
    const unknown = await call('GET', `/v1/brands/${brand}/journeys?colour=red`, { key });
    expect(unknown.status).toBe(400);
  });
});

describe('report', () => {
  const promise = (promiseId: string, dueInMs: number) => ({
    customerId: 'fay',
    promiseId,
    text: 'Call back about the lamp',
    kind: 'callback',
    owner: { kind: 'person', id: 'sam', team: 'support' },
    channel: 'phone',
    due: { at: new Date(Date.now() + dueInMs).toISOString() },
  });

  it('counts a breached promise that is still running against the kept-rate, and lists it by team', async () => {
    for (const [id, dueIn] of [
      ['p-kept', 3_600_000],
      ['p-breached', 3_000],
    ] as const) {
      expect((await call('POST', `/v1/brands/${brand}/promises`, { key, body: promise(id, dueIn) })).status).toBe(201);
    }
    expect((await call('POST', `/v1/brands/${brand}/promises/p-kept/fulfil`, { key, body: {} })).status).toBe(200);

    await eventually(async () => {
      const report = await call('GET', `/v1/brands/${brand}/report`, { key });
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({
        brand,
        runningPromisesByStatus: { breached: 1 },
        endedPromisesByOutcome: { kept: 1 },
        keptRateBasis: { kept: 1, judged: 2, breachedRunning: 1 },
        keptRate: 0.5,
      });
      expect(report.body.needingAttention).toEqual([
        expect.objectContaining({ team: 'support', promiseId: 'p-breached', status: 'breached', customerId: 'fay' }),
      ]);
    }, 45_000);
    const report = await call('GET', `/v1/brands/${brand}/report`, { key });
    // The test profile's zone is Europe/London: the due time reads as the team reads it.
    expect(report.body.needingAttention[0].dueLocal).toMatch(/^\w{3} \d{1,2} \w{3} \d{4} \d{2}:\d{2} (GMT|BST)/);
    expect(report.body.notes.join(' ')).toContain('breached promise(s) still running');
  }, 90_000);

  it('answers 400 for a bad brand and 403 for another brand’s key', async () => {
    expect((await call('GET', '/v1/brands/Not%20a%20brand/report', { key })).status).toBe(400);
    expect((await call('GET', `/v1/brands/${brand}/report`, { key: bareKey })).status).toBe(403);
  });
});

describe('OpenAPI', () => {
  it('documents the new endpoints, with examples', async () => {
    const spec = await call('GET', '/openapi.json');
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/brands/{brand}/customers/{customerId}/outreach/pause',
        '/v1/brands/{brand}/customers/{customerId}/outreach/resume',
        '/v1/brands/{brand}/customers/{customerId}/outreach/cancel',
        '/v1/brands/{brand}/report',
        '/v1/brands/{brand}/journeys',
      ]),
    );
    const pause = JSON.stringify(spec.body.paths['/v1/brands/{brand}/customers/{customerId}/outreach/pause'].post);
    expect(pause).toContain('complaint being handled by Sam');
    const batch = JSON.stringify(spec.body.paths['/v1/events/batch'].post.requestBody);
    expect(batch).toContain('"events"');
    expect(batch).toContain('profile.updated');
  });
});
