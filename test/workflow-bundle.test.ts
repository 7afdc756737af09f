import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import { parseLifecycleEvent, type LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { recordEventUpdate } from '../workflows/journey/messages';
import { sharedLogicModules } from '../workflows/shared-logic';
import { sharedSchemaModules } from '../workflows/shared-schemas';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * Memory guard (issue 13). In SDK 1.24 a worker evaluates the workflow bundle once, then
 * every workflow evaluates the modules it requires in a module cache of its own, except the
 * modules preloaded before any workflow exists (bundle option `preloadModules`), which all
 * workflows of the worker share. A library evaluated per workflow is paid again by every
 * cached workflow (zod alone ~0.6 MiB), so Kept preloads its libraries
 * (workflows/shared-libraries.ts) and this test keeps it that way.
 *
 * The bundle is the one the tests' workers run (test/global-setup.ts bundles it with
 * workers/workflow-bundle.ts, as the worker does). It is evaluated here the way the SDK's
 * reusable V8 context does: webpack's module cache is routed to a shared map while the
 * modules are preloaded, and to a per-workflow map when the workflow code is imported. As the
 * SDK does, the preloaded modules are deep-frozen in between, so a workflow module that writes
 * into a shared schema (e.g. `.strict()` or `.describe()` on one: zod rebuilds it on the same,
 * frozen, definition) fails here at import.
 */
function modulesByPhase(code: string): { shared: string[]; perWorkflow: string[] } {
  const shared = new Map<string | symbol, unknown>();
  const perWorkflow = new Map<string | symbol, unknown>();
  let phase: 'preload' | 'workflow' = 'preload';
  const moduleCache = new Proxy(
    {},
    {
      get: (_target, id) => shared.get(id) ?? perWorkflow.get(id),
      set: (_target, id, module) => {
        (phase === 'preload' ? shared : perWorkflow).set(id, module);
        return true;
      },
    },
  );
  const context = vm.createContext({});
  Object.defineProperty(context, '__webpack_module_cache__', { value: moduleCache });
  vm.runInContext(code, context);
  vm.runInContext('__TEMPORAL__.preloadModules()', context);
  for (const module of shared.values()) deepFreeze(module);
  phase = 'workflow';
  vm.runInContext('__TEMPORAL__.importWorkflows()', context);
  return { shared: [...shared.keys()].map(String), perWorkflow: [...perWorkflow.keys()].map(String) };
}

/** The SDK's freeze of preloaded modules (reusable-vm.js, private there): own properties, getters read, functions not walked. */
function deepFreeze(value: unknown, visited = new WeakSet<object>()): void {
  if (typeof value !== 'object' || value === null || visited.has(value) || Object.isFrozen(value)) return;
  visited.add(value);
  for (const key of Reflect.ownKeys(value)) {
    try {
      deepFreeze((value as Record<PropertyKey, unknown>)[key], visited);
    } catch {
      // As in the SDK: some objects (typed arrays) cannot be frozen.
    }
  }
  Object.freeze(value);
}

const isLibrary = (name: string) => (id: string) => id.includes(`node_modules/${name}/`);

/**
 * The source modules webpack hoisted into the bundle's module `id` (workers/workflow-bundle.ts,
 * `hoistWorkflowModules`): the development build heads each with a `;// ./path` line. A module
 * that is not hoisted is its own only source.
 */
function sourcesOf(code: string, id: string): string[] {
  const start = code.indexOf(`/***/ "${id}"`);
  const end = code.indexOf('\n/***/ "', start + 1);
  const body = code.slice(start, end === -1 ? undefined : end);
  const hoisted = [...body.matchAll(/^;\/\/ (\.\/\S+)$/gm)].map((match) => match[1]!);
  return hoisted.length > 0 ? hoisted : [id];
}

/**
 * zod formats whose check runs a RegExp that zod builds once at load (so, preloaded, a frozen
 * one), unless the schema passes a `pattern` of its own: zod resets the pattern's lastIndex
 * before each check, which throws on a frozen RegExp and fails the workflow task.
 */
const SHARED_PATTERN_FORMAT =
  /\.(email|guid|nanoid|cuid2?|ulid|xid|ksuid|ipv4|ipv6|cidrv4|cidrv6|e164|lowercase|uppercase|iso\.date|iso\.duration)\((?!\s*\{\s*pattern\b)/g;

const withoutComments = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

/**
 * Module-level state in a shared module that the SDK's freeze cannot protect: a `let` or `var`
 * (the freeze walks exports, not bindings), and a Map, Set, WeakMap or WeakSet (`Object.freeze`
 * leaves their entries writable), unless typed Readonly so that the compiler rejects a write.
 * Either would be written by one workflow and read by the next. Prettier puts top-level
 * declarations at the start of a line.
 */
const UNFROZEN_MODULE_STATE =
  /^(?:export )?(?:(?:let|var)\s+\w+|const\s+\w+\b(?!\s*:\s*Readonly(?:Map|Set)\b)[^=\n]*=\s*new\s+(?:Weak)?(?:Map|Set)\b)/gm;

/** Every Kept module the preload shares: its entries, and the modules they list (paths from the repository root). */
const SHARED_KEPT_MODULES = [
  'workflows/shared-libraries',
  'workflows/shared-schemas',
  'workflows/shared-logic',
  'workflows/freeze-ready',
  ...Object.keys(sharedSchemaModules),
  ...Object.keys(sharedLogicModules),
];

describe("Kept's workflow bundle", () => {
  const bundle = readFileSync(process.env.KEPT_TEST_WORKFLOW_BUNDLE!, 'utf8');
  const { shared, perWorkflow } = modulesByPhase(bundle);
  /** What every workflow evaluates for itself, by source file (hoisted modules listed one by one). */
  const perWorkflowSources = perWorkflow.flatMap((id) => sourcesOf(bundle, id));
  const keptModule = (id: string) => id.startsWith('./') && !id.includes('node_modules/');

  it("compiles Kept's workflow code for Node (ES2022): no SWC spread or class-field helper copied into each module", () => {
    const code = readFileSync(process.env.KEPT_TEST_WORKFLOW_BUNDLE!, 'utf8');
    // At the SDK's ES2017 every Kept module carried its own `function _object_spread(...)`.
    expect(code).not.toMatch(/function _(?:object_spread|define_property)\(/);
    expect(code).toContain('./workflows/journey/journey-workflow.ts');
  });

  it('loads zod and luxon once per worker: they are preloaded and shared by every workflow', () => {
    expect(shared.filter(isLibrary('zod')).length).toBeGreaterThan(0);
    expect(shared.filter(isLibrary('luxon')).length).toBeGreaterThan(0);
  });

  it("shares Kept's schema and logic modules (workflows/shared-schemas.ts, shared-logic.ts) and no other Kept module", () => {
    const expected = SHARED_KEPT_MODULES.map((module) => `./${module}.ts`);
    // The SDK's own modules (node_modules/@temporalio/...) load with the bundle and are shared too;
    // webpack names them `./node_modules/...` or, with a linked node_modules, by their real path.
    const keptModules = shared.filter(keptModule);
    expect(keptModules.sort()).toEqual(expected.sort());
  });

  it('keeps no module-level state the freeze cannot protect in a shared Kept module (no cache, no counter)', () => {
    const offending = SHARED_KEPT_MODULES.flatMap((module) => {
      const source = withoutComments(readFileSync(path.resolve(__dirname, '..', `${module}.ts`), 'utf8'));
      return [...source.matchAll(UNFROZEN_MODULE_STATE)].map((match) => `${module}: ${match[0]}`);
    });
    expect(SHARED_KEPT_MODULES.length).toBeGreaterThan(30);
    // The memos shared on purpose, each saying in its module why no workflow can see a
    // difference: opening windows keyed by their calendar's text, three whose values are
    // strings and booleans that depend on their key alone, and frozen configs keyed by their text.
    expect(offending.sort()).toEqual(
      [
        'common/business-time: const windowCache = new Map',
        'common/business-time: const calendarTexts = new WeakMap',
        'common/events: const knownTimeZones = new Set',
        'common/playbooks/arrival: const daysInZone = new Map',
        'workflows/journey/operator-view: const formattedInZone = new Map',
        'workflows/journey/config-intern: const heldConfigs = new Map',
      ].sort(),
    );
  });

  it("evaluates per workflow nothing but Kept's own modules and the SDK's per-workflow ones", () => {
    const libraries = perWorkflowSources.filter(
      (id) => id.includes('node_modules/') && !isLibrary('@temporalio/workflow')(id),
    );
    expect(libraries).toEqual([]);
    // Not vacuous: the workflows themselves are evaluated per workflow.
    expect(perWorkflowSources).toEqual(
      expect.arrayContaining(['./workflows/journey/journey-workflow.ts', './workflows/promise/promise-workflow.ts']),
    );
  });

  it("hoists Kept's per-workflow modules into one: each module of its own cost every cached workflow its wrappers", () => {
    expect(perWorkflow.filter(keptModule)).toEqual(['./workflows/index.ts']);
    expect(perWorkflowSources.filter(keptModule).length).toBeGreaterThan(20);
    // The shared ones stay modules of their own, outside the hoisted one.
    expect(perWorkflowSources).not.toContain('./workflows/journey/state.ts');
  });

  it('builds no schema in a workflow module on a zod format pattern that the preload froze (see common/email-format.ts)', () => {
    const keptModules = perWorkflowSources.filter((id) => id.startsWith('./') && id.endsWith('.ts'));
    const offending = keptModules.flatMap((id) => {
      const source = withoutComments(readFileSync(path.resolve(__dirname, '..', id), 'utf8'));
      return [...source.matchAll(SHARED_PATTERN_FORMAT)].map((match) => `${id}: ${match[0]}`);
    });
    expect(keptModules.length).toBeGreaterThan(20);
    expect(offending).toEqual([]);
  });
});

/**
 * The shared schemas are frozen (see workflows/freeze-ready.ts): they must still accept a valid
 * event and reject a bad one with zod's own message naming the field, inside a real workflow
 * (the journey's update validator) on a real worker, never with a TypeError from the freeze.
 * The journey applies the events with the shared, frozen logic too (workflows/shared-logic.ts:
 * journey, order and outreach state, predictions, stage rules): a write into one of their
 * constants would fail its workflow task, and the update would never be answered.
 */
describe('schemas and logic shared by the workflows of a worker', () => {
  let env: TestWorkflowEnvironment;
  let worker: Awaited<ReturnType<typeof startKeptWorker>>;
  let kept: KeptClient;
  const brand = `frozen${randomUUID().slice(0, 8)}`;
  const customerId = 'c-frozen';

  beforeAll(async () => {
    env = await connectDevServer();
    worker = await startKeptWorker(env);
    kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
  });

  afterAll(async () => {
    await stopWorker(worker);
    await env.teardown();
  });

  const event = (eventId: string, type: string, fields: Record<string, unknown>) =>
    ({ type, eventId, brand, customerId, occurredAt: '2026-11-02T10:00:00Z', ...fields }) as LifecycleEventInput;
  const item = { sku: 'sofa-3', name: 'Three-seat sofa', category: 'furniture', price: 899 };

  /** What the same schemas say outside any workflow, unfrozen: the message the workflow must give too. */
  function messageOutsideWorkflows(input: LifecycleEventInput): string {
    try {
      parseLifecycleEvent(input);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the event to be invalid');
  }

  it('parses valid events and reject invalid ones with the message naming each bad field', async () => {
    // Valid: an order (nested items, a timestamp pattern, an id regex, defaults) and its shipment.
    expect(await kept.recordEvent(event('e-1', 'order.placed', { orderId: 'o-1', items: [item] }))).toMatchObject({
      applied: true,
    });
    expect(await kept.recordEvent(event('e-2', 'shipment.dispatched', { orderId: 'o-1' }))).toMatchObject({
      applied: true,
    });
    const handle = env.client.workflow.getHandle(journeyWorkflowId(brand, customerId));

    const badOrder = event('e-3', 'order.placed', {
      occurredAt: 'yesterday',
      orderId: 'o 2',
      items: [{ ...item, price: 'cheap' }],
    });
    const delayWithoutEstimate = event('e-4', 'shipment.delayed', { orderId: 'o-1' });
    for (const input of [badOrder, delayWithoutEstimate]) {
      const message = messageOutsideWorkflows(input);
      // Sent straight to the workflow, bypassing the client's own zod check.
      const rejection = handle.executeUpdate(recordEventUpdate, { args: [input] });
      await expect(rejection).rejects.toMatchObject({ cause: { message } });
    }
    expect(messageOutsideWorkflows(badOrder)).toMatch(
      /occurredAt: Invalid ISO datetime.*orderId: use letters.*items\.0\.price: Invalid input: expected number/,
    );
    expect(messageOutsideWorkflows(delayWithoutEstimate)).toMatch(/newEstimatedDeliveryAt: Invalid input/);
  });

  /**
   * The freeze covers what a shared module exports, not a constant it keeps to itself: a default
   * object handed out by reference and then written by one workflow would not throw, it would
   * show up in the next workflow's state. Two customers with the same history on one worker must
   * get the same journey state (what the events wrote into it, through state.ts, order-state.ts,
   * stage rules and predictions), not a state that starts where the other one left off.
   */
  it('gives two journeys with the same events the same state: nothing leaks between workflows', async () => {
    const history = (customer: string) =>
      [
        ['question.asked', '2026-11-01T09:00:00Z', { questionId: 'q-1' }],
        ['consent.changed', '2026-11-01T09:30:00Z', { category: 'promotional', granted: true }],
        ['order.placed', '2026-11-02T10:00:00Z', { orderId: `o-${customer}`, items: [item] }],
        ['shipment.dispatched', '2026-11-03T10:00:00Z', { orderId: `o-${customer}` }],
      ].map(([type, occurredAt, fields], index) =>
        event(`same-${index}`, type as string, { customerId: customer, occurredAt, ...(fields as object) }),
      );
    const applied = async (customer: string) => {
      const journey = await kept.getJourney(brand, customer);
      const { stage, stageHistory, profile, orders, cases, counters, openQuestions, predictedNeeds } = journey;
      const { recentEventIds, lastEventAt, lastCalmSignal } = journey;
      const state = { stage, stageHistory, profile, orders, cases, counters, openQuestions, predictedNeeds };
      return JSON.stringify({ ...state, recentEventIds, lastEventAt, lastCalmSignal }).replaceAll(
        customer,
        '<customer>',
      );
    };
    for (const customer of ['c-same-1', 'c-same-2']) {
      for (const input of history(customer)) expect(await kept.recordEvent(input)).toMatchObject({ applied: true });
    }
    const first = await applied('c-same-1');
    expect(JSON.parse(first)).toMatchObject({ stage: 'receive', counters: { eventsApplied: 4, ordersPlaced: 1 } });
    expect(await applied('c-same-2')).toEqual(first);
  });
});
