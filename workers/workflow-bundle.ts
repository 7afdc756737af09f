import type { BundleOptions } from '@temporalio/worker';

/**
 * How Kept's workflow code is bundled, the same for the worker (which bundles `workflows/`
 * itself) and for every caller that bundles once ahead (tests, bench, backtest): the
 * libraries in workflows/shared-libraries.ts, Kept's schema modules in
 * workflows/shared-schemas.ts and its pure workflow logic in workflows/shared-logic.ts are
 * preloaded, i.e. shared by all workflows of a worker instead of instantiated in each cached
 * workflow (see those files for why it is safe). The libraries come first: zod must be warmed
 * up before any schema is built.
 */
export const keptPreloadModules: string[] = [
  require.resolve('../workflows/shared-libraries'),
  require.resolve('../workflows/shared-schemas'),
  require.resolve('../workflows/shared-logic'),
];

export function keptWorkflowBundleOptions(
  options: Omit<BundleOptions, 'workflowsPath' | 'preloadModules'> = {},
): BundleOptions {
  return { ...options, workflowsPath: require.resolve('../workflows'), preloadModules: keptPreloadModules };
}
