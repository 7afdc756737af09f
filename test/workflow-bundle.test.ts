import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

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
 * modules are preloaded, and to a per-workflow map when the workflow code is imported.
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
  phase = 'workflow';
  vm.runInContext('__TEMPORAL__.importWorkflows()', context);
  return { shared: [...shared.keys()].map(String), perWorkflow: [...perWorkflow.keys()].map(String) };
}

const isLibrary = (name: string) => (id: string) => id.includes(`node_modules/${name}/`);

/**
 * zod formats whose check runs a RegExp that zod builds once at load (so, preloaded, a frozen
 * one), unless the schema passes a `pattern` of its own: zod resets the pattern's lastIndex
 * before each check, which throws on a frozen RegExp and fails the workflow task.
 */
const SHARED_PATTERN_FORMAT =
  /\.(email|guid|nanoid|cuid2?|ulid|xid|ksuid|ipv4|ipv6|cidrv4|cidrv6|e164|lowercase|uppercase|iso\.date|iso\.duration)\((?!\s*\{\s*pattern\b)/g;

const withoutComments = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

describe("Kept's workflow bundle", () => {
  const { shared, perWorkflow } = modulesByPhase(readFileSync(process.env.KEPT_TEST_WORKFLOW_BUNDLE!, 'utf8'));

  it('loads zod and luxon once per worker: they are preloaded and shared by every workflow', () => {
    expect(shared.filter(isLibrary('zod')).length).toBeGreaterThan(0);
    expect(shared.filter(isLibrary('luxon')).length).toBeGreaterThan(0);
  });

  it("evaluates per workflow nothing but Kept's own modules and the SDK's per-workflow ones", () => {
    const libraries = perWorkflow.filter(
      (id) => id.includes('node_modules/') && !isLibrary('@temporalio/workflow')(id),
    );
    expect(libraries).toEqual([]);
    // Not vacuous: the workflows themselves are evaluated per workflow.
    expect(perWorkflow).toEqual(
      expect.arrayContaining(['./workflows/journey/journey-workflow.ts', './workflows/promise/promise-workflow.ts']),
    );
  });

  it('builds no schema in a workflow module on a zod format pattern that the preload froze (see common/email-format.ts)', () => {
    const keptModules = perWorkflow.filter((id) => id.startsWith('./') && id.endsWith('.ts'));
    const offending = keptModules.flatMap((id) => {
      const source = withoutComments(readFileSync(path.resolve(__dirname, '..', id), 'utf8'));
      return [...source.matchAll(SHARED_PATTERN_FORMAT)].map((match) => `${id}: ${match[0]}`);
    });
    expect(keptModules.length).toBeGreaterThan(20);
    expect(offending).toEqual([]);
  });
});
