import { z } from 'zod';

/**
 * Libraries every Kept workflow uses, loaded ONCE per worker (workflow bundle option
 * `preloadModules`, see workers/workflow-bundle.ts) instead of once per cached workflow.
 *
 * Why: in SDK 1.24 each workflow gets its own instance of every module the bundle loads, so
 * zod (~0.6 MiB of heap) and luxon were paid again by every cached workflow. Modules
 * preloaded at bundle start-up are shared and deep-frozen by the SDK. That is safe for these
 * two: they hold no per-workflow state (Kept never changes luxon's Settings or zod's config;
 * luxon's formatter caches are keyed by zone and locale), and Kept builds its own schemas and
 * DateTimes inside the workflows' own modules, so nothing a workflow creates is frozen.
 *
 * This module is NOT exported from workflows/index.ts: it is the preload entry only. It
 * imports the libraries the way Kept's code does (ES `import`), so the preloaded module
 * instances are the very ones Kept's modules resolve to.
 */
export { z };
export { DateTime } from 'luxon';

// zod sets its default locale and memoizer on its global config when it builds its first
// schema. Build one now, before the SDK freezes the shared modules: otherwise the first
// schema a workflow builds would try to write them into the frozen config and throw.
z.object({ warmUp: z.string() }).parse({ warmUp: 'ready' });
