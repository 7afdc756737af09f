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

type WebpackConfigHook = NonNullable<BundleOptions['webpackConfigHook']>;
type WebpackConfig = Parameters<WebpackConfigHook>[0];

/** The ECMAScript version Kept's workflow code is compiled to: what Node 20 runs natively. */
export const WORKFLOW_COMPILE_TARGET = 'es2022';

/**
 * Kept's workflow code compiled for the Node it runs on (ES2022) instead of the SDK's ES2017.
 * At ES2017 SWC writes helpers for object spread and class fields (`_object_spread`,
 * `_define_property`, ...) into every module, so each cached workflow held its own copies,
 * and every `{ ...state }` of the journey ran through a helper that defines the properties
 * one at a time. Same semantics either way (both define properties, in the same order), so
 * recorded histories replay unchanged (test/replay.test.ts).
 */
export const compileForNode: WebpackConfigHook = (config) => {
  const swcRules = (config.module?.rules ?? []).filter(
    (rule): rule is { use: { loader: string; options: { jsc: { target: string } } } } =>
      typeof rule === 'object' &&
      rule !== null &&
      typeof rule.use === 'object' &&
      rule.use !== null &&
      'loader' in rule.use &&
      String(rule.use.loader).includes('swc-loader'),
  );
  // An SDK that bundles differently must not silently drop the setting: say so at bundle time.
  if (swcRules.length !== 1)
    throw new Error(`expected one swc-loader rule in the SDK's webpack config, found ${swcRules.length}`);
  swcRules[0]!.use.options.jsc.target = WORKFLOW_COMPILE_TARGET;
  return config;
};

/**
 * Kept's per-workflow modules hoisted into one scope (webpack's module concatenation, off in
 * the SDK's development-mode build). In SDK 1.24 every cached workflow evaluates the modules
 * that are not preloaded again, and each module costs it a namespace object, an exports object
 * with a getter per export, and a function context, whatever the module holds. Kept's workflow
 * modules (the workflows, their messages, planner, outreach runner, ...: about 25) then cost a
 * cached workflow ~15 KiB before it did anything (`npm run bench:heap`: 103 → 88 KiB, against
 * 66 KiB for a bare workflow).
 *
 * Webpack hoists only ES modules whose every importer is in the same group, so the preloaded
 * modules (imported by the preload entries too) stay modules of their own, shared as before;
 * test/workflow-bundle.test.ts checks both. The code is the same code in the same order
 * (scope hoisting keeps ES module semantics), so recorded histories replay unchanged.
 */
export const hoistWorkflowModules: WebpackConfigHook = (config) => ({
  ...config,
  optimization: { ...config.optimization, concatenateModules: true },
});

const keptWebpackConfig = (config: WebpackConfig): WebpackConfig => hoistWorkflowModules(compileForNode(config));

/** How the worker bundles `workflows/` itself: Kept's preload, compile target and hoisting, then the embedder's hook. */
export function keptBundlerOptions(
  hook?: WebpackConfigHook,
): Pick<BundleOptions, 'preloadModules' | 'webpackConfigHook'> {
  return {
    preloadModules: keptPreloadModules,
    webpackConfigHook: (config: WebpackConfig) => (hook ? hook(keptWebpackConfig(config)) : keptWebpackConfig(config)),
  };
}

export function keptWorkflowBundleOptions(
  options: Omit<BundleOptions, 'workflowsPath' | 'preloadModules'> = {},
): BundleOptions {
  return {
    ...options,
    workflowsPath: require.resolve('../workflows'),
    ...keptBundlerOptions(options.webpackConfigHook),
  };
}
