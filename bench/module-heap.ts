import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import Table from 'cli-table3';
import { Command } from 'commander';
import { z } from 'zod';
import { startBenchServer, type BenchServer } from './dev-server';
import { inParallel } from './stats';
import { startWorkerProcess } from './worker-process';
import { keptBundlerOptions } from '../workers/workflow-bundle';

/**
 * `npm run bench:heap`: where the heap of one cached workflow goes. Each probe in
 * bench/module-heap/ is a workflow file that imports one set of modules (nothing but the
 * SDK; zod; luxon; Kept's common/ modules; all of Kept's workflows) and then waits forever.
 * In SDK 1.24 every workflow evaluates its bundle's modules in a module cache of its own, so
 * the live heap a probe adds per cached workflow is what those modules cost per workflow.
 * A probe named `<probe>+preload` is the same file bundled the way Kept's worker bundles
 * (workers/workflow-bundle.ts: zod and luxon preloaded, shared by all workflows).
 */
const PROBE_DIRECTORY = path.join(__dirname, 'module-heap');

const optionsSchema = z.object({
  workflows: z.coerce.number().int().min(1),
  probes: z.array(z.string().min(1)).min(1),
  json: z.boolean(),
});
type ModuleHeapOptions = z.infer<typeof optionsSchema>;

interface ProbeResult {
  probe: string;
  bundleKiB: number;
  cachedWorkflows: number;
  kibPerCachedWorkflow: number;
}

const PRELOAD_SUFFIX = '+preload';

function availableProbes(): string[] {
  const files = readdirSync(PROBE_DIRECTORY)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
  return [...files, ...files.filter((file) => file.startsWith('kept')).map((file) => file + PRELOAD_SUFFIX)];
}

function parseOptions(argv: string[]): ModuleHeapOptions {
  const probes = availableProbes();
  const program = new Command('bench:heap')
    .option('--workflows <n>', 'probe workflows cached per probe', '100')
    .option('--probes <names>', `comma-separated, of: ${probes.join(', ')}`, probes.join(','))
    .option('--json', 'print the results as JSON', false)
    .parse(argv);
  const raw = program.opts<{ workflows: string; probes: string; json: boolean }>();
  const parsed = optionsSchema.safeParse({ ...raw, probes: raw.probes.split(',').map((name) => name.trim()) });
  if (!parsed.success) program.error(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
  const unknown = parsed.data!.probes.filter((name) => !probes.includes(name));
  if (unknown.length > 0) program.error(`--probes: no probe named ${unknown.join(', ')}`);
  return parsed.data!;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv);
  const directory = mkdtempSync(path.join(tmpdir(), 'kept-module-heap-'));
  const server = await startBenchServer();
  const client = new Client({ connection: server.connection, namespace: 'default' });
  const results: ProbeResult[] = [];
  try {
    for (const probe of options.probes) {
      console.error(`[bench:heap] ${probe}: bundling, then caching ${options.workflows} workflows`);
      results.push(await measureProbe(probe, options.workflows, { server, client, directory }));
    }
  } finally {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
  console.log(options.json ? JSON.stringify({ options, results }, null, 2) : formatResults(results));
}

async function measureProbe(
  probe: string,
  workflows: number,
  run: { server: BenchServer; client: Client; directory: string },
): Promise<ProbeResult> {
  const file = probe.endsWith(PRELOAD_SUFFIX) ? probe.slice(0, -PRELOAD_SUFFIX.length) : probe;
  const bundlePath = path.join(run.directory, `${probe}.js`);
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(PROBE_DIRECTORY, `${file}.ts`),
    // `+preload`: bundled as Kept's worker bundles (shared modules, compiled for Node).
    ...(file === probe ? {} : keptBundlerOptions()),
    logger: quietLogger,
  });
  writeFileSync(bundlePath, code);
  const taskQueue = `module-heap-${probe.replace(PRELOAD_SUFFIX, '-preload')}`;
  const worker = await startWorkerProcess({
    script: 'module-heap-worker.ts',
    env: {
      TEMPORAL_ADDRESS: run.server.address,
      BENCH_TASK_QUEUE: taskQueue,
      BENCH_WORKFLOW_BUNDLE: bundlePath,
      BENCH_MAX_CACHED_WORKFLOWS: String(workflows + 10),
    },
  });
  try {
    const start = (index: number) =>
      run.client.workflow.start('heapProbe', { taskQueue, workflowId: `${taskQueue}-${index}`, args: [] });
    // One workflow first, so the bundle's script and the SDK's own modules are in the baseline.
    await start(0);
    await worker.settled();
    const before = await worker.probe('heap');
    await inParallel(
      Array.from({ length: workflows }, (_, index) => index + 1),
      16,
      (index) => start(index).then(() => undefined),
    );
    await worker.settled();
    const after = await worker.probe('heap');
    const cachedWorkflows = after.cachedWorkflows - before.cachedWorkflows;
    return {
      probe,
      bundleKiB: Math.round(Buffer.byteLength(code) / 1024),
      cachedWorkflows,
      kibPerCachedWorkflow: Math.round(
        (after.heapUsedBytes - before.heapUsedBytes) / Math.max(cachedWorkflows, 1) / 1024,
      ),
    };
  } finally {
    await worker.stop();
  }
}

function formatResults(results: ProbeResult[]): string {
  const floor = results.find((result) => result.probe === 'bare')?.kibPerCachedWorkflow;
  const table = new Table({ head: ['probe', 'bundle KiB', 'cached', 'heap KiB / cached workflow', '÷ bare'] });
  for (const result of results) {
    table.push([
      result.probe,
      result.bundleKiB,
      result.cachedWorkflows,
      result.kibPerCachedWorkflow,
      floor ? (result.kibPerCachedWorkflow / floor).toFixed(1) : '',
    ]);
  }
  return table.toString();
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};

main().catch((error: unknown) => {
  console.error('bench:heap failed:', error);
  process.exit(1);
});
