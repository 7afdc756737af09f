import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Command } from 'commander';
import { z } from 'zod';
import { startBenchServer, type BenchServer } from './dev-server';
import { measureHeapPerCachedWorkflow } from './heap';
import { runImportBench } from './import-bench';
import { startMailWatch } from './mail-watch';
import { formatTable, reportRows, type BenchResults } from './report';
import { runAfterIngest, runIngestRounds, type RunContext } from './run-system';
import { bareSystem, floorSystem, keptSystem, type BenchSystem } from './systems';
import { openBrandStatistics, type BrandStatisticsStore } from '../activities/anticipation/brand-statistics';
import { ledgerConfigOf } from '../activities/outreach/dependencies';
import { loadKeptEnv } from '../common/config';
import { startWorkerProcess, type WorkerProcess } from './worker-process';
import { keptWorkflowBundleOptions } from '../workers/workflow-bundle';
import type { FloorShape } from './floor-workflows';

const FLOOR_PARTS = ['round', 'attributes', 'memo', 'promise'] as const;
/** `round,attributes,memo,promise` (the default: all of Kept's shape), a subset, or `none`. */
const floorShapeSchema = z
  .string()
  .transform((text) => (text === 'none' ? [] : text.split(',').map((part) => part.trim())))
  .pipe(z.array(z.enum(FLOOR_PARTS, { message: `each part is one of ${FLOOR_PARTS.join(', ')}, or none` })))
  .transform((parts): FloorShape => ({
    round: parts.includes('round'),
    attributes: parts.includes('attributes'),
    memo: parts.includes('memo'),
    promise: parts.includes('promise'),
  }));

/**
 * `npm run bench`: Kept against a bare Temporal baseline, in one run on one dev server of
 * its own. See README "Performance" for what each row means.
 */
const optionsSchema = z.object({
  customers: z.coerce.number().int().min(1),
  large: z.boolean(),
  sleeping: z
    .string()
    .optional()
    .transform((list) => (list ? list.split(',').map((part) => Number(part.trim())) : []))
    .pipe(
      z.array(
        z
          .number({ error: 'each level is a number of customers' })
          .int('each level is a whole number of customers')
          .min(1, 'each level is at least 1'),
      ),
    ),
  concurrency: z.coerce.number().int().min(1),
  heapCustomers: z.coerce.number().int().min(1),
  emailSamples: z.coerce.number().int().min(1),
  timerSamples: z.coerce.number().int().min(1),
  historySample: z.coerce.number().int().min(1),
  importEvents: z.coerce.number().int().min(0),
  rounds: z.coerce.number().int().min(1),
  floorShape: floorShapeSchema,
  serverStore: z.enum(['memory', 'file'], { error: 'memory or file' }).optional(),
  json: z.boolean(),
});
type BenchOptions = z.infer<typeof optionsSchema>;

function parseOptions(argv: string[]): BenchOptions {
  const program = new Command('bench')
    .option('--customers <n>', 'sleeping customers (order placed + dispatched) per system', '1000')
    .option('--large', 'also grow to 10,000 and 50,000 sleeping customers (about 40 minutes on 2 cores)', false)
    .option(
      '--sleeping <levels>',
      'also grow to these numbers of sleeping customers, e.g. 10000 (--large: 10000,50000)',
    )
    .option('--concurrency <n>', 'events in flight during ingest', '32')
    .option('--heap-customers <n>', 'customers cached by the heap-measuring worker', '200')
    .option('--email-samples <n>', 'customers for event → email, one at a time', '20')
    .option('--timer-samples <n>', 'orders whose promised time fires during the run', '20')
    .option('--history-sample <n>', 'customers whose histories are counted per event type', '5')
    .option('--import-events <n>', 'bulk-import this many generated events (e.g. 1000000); 0: skip', '0')
    .option('--rounds <n>', 'ingest rounds, alternating between the systems', '4')
    .option(
      '--floor-shape <parts>',
      "the parts of Kept's shape the floor does: round, attributes, memo, promise",
      FLOOR_PARTS.join(','),
    )
    .option(
      '--server-store <store>',
      "the dev server's store, memory or file (default: file when a level reaches 50,000 customers)",
    )
    .option('--json', 'print the rows as JSON', false)
    .parse(argv);
  const parsed = optionsSchema.safeParse(program.opts());
  if (!parsed.success) program.error(parsed.error.issues.map((i) => `--${flagOf(i.path[0])}: ${i.message}`).join('; '));
  return parsed.data!;
}

/** The flag as typed (`floorShape` → `floor-shape`), for error messages. */
const flagOf = (key: PropertyKey | undefined): string => String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

async function main(): Promise<void> {
  const options = parseOptions(process.argv);
  const log = (line: string) => console.error(`[bench] ${line}`);
  const directory = mkdtempSync(path.join(tmpdir(), 'kept-bench-'));
  const server = await startBenchServer(
    serverStoreOf(options) === 'file' ? path.join(directory, 'temporal.db') : undefined,
  );
  const mail = await startMailWatch(path.join(directory, 'mail'));
  const client = new Client({ connection: server.connection, namespace: 'default' });
  let statistics: BrandStatisticsStore | undefined;
  try {
    log(`dev server ${server.address} (pid ${server.pid}, store in ${serverStoreOf(options)}); bundling workflows`);
    const bundles = await writeBundles(directory);
    // A brand with a service profile (config/profiles), so Kept's outreach runs as for a real shop.
    const brand = 'nordhem';
    // The Kept worker's statistics (its ledger database), read for each dispatch as the API does.
    statistics = await openBrandStatistics(ledgerConfigOf(loadKeptEnv({ ...process.env, ...benchDataDir(directory) })));
    const keptStatistics = statistics;
    const systems = {
      kept: (queue: string) => keptSystem(client, queue, brand, keptStatistics),
      bare: (queue: string) => bareSystem(client, queue, brand),
      floor: (queue: string) => floorSystem(client, queue, brand, options.floorShape),
    };
    const results: Partial<BenchResults> = {};
    const names = ['bare', 'kept'] as const;
    // The three workers run through the ingest, whose rounds alternate between the systems.
    // The floor (Kept's Temporal shape without Kept's logic) is measured in the ingest only.
    const ingestNames = ['bare', 'floor', 'kept'] as const;
    const contexts: RunContext[] = [];
    try {
      for (const name of ingestNames) {
        const system = systems[name](`bench-${name}`);
        const env = baseWorkerEnv(server, directory, mail.port, bundles[name], system.taskQueue);
        const worker = await startWorkerProcess({ script: `${name}-worker.ts`, env });
        contexts.push(runContext(system, worker, client, server, mail, options, log));
      }
      log(`${options.customers} new customers, then an event to each, in ${options.rounds} rounds per system`);
      const ingested = await runIngestRounds(contexts, options.rounds);
      results.floor = ingested[ingestNames.indexOf('floor')];
      await contexts[ingestNames.indexOf('floor')]!.worker.stop();
      for (const name of names) {
        const index = ingestNames.indexOf(name);
        results[name] = await runAfterIngest(contexts[index]!, ingested[index]!);
        await contexts[index]!.worker.stop();
      }
    } finally {
      await Promise.all(contexts.map((context) => context.worker.stop()));
    }
    for (const name of names) {
      log(`${name}: heap per cached workflow (${options.heapCustomers} customers, workflows in the main thread)`);
      const heapSystem = systems[name](`bench-${name}-heap`);
      const heapWorker = await startWorkerProcess({
        script: `${name}-worker.ts`,
        env: {
          ...baseWorkerEnv(server, directory, mail.port, bundles[name], heapSystem.taskQueue),
          BENCH_WORKFLOWS_IN_MAIN_THREAD: 'true',
          KEPT_MAX_CACHED_WORKFLOWS: String(options.heapCustomers * 5 + 20),
        },
      });
      try {
        results[name === 'kept' ? 'keptHeap' : 'bareHeap'] = await measureHeapPerCachedWorkflow(
          heapSystem,
          heapWorker,
          options.heapCustomers,
        );
      } finally {
        await heapWorker.stop();
      }
    }
    if (options.importEvents > 0) {
      log(`bulk import of ${options.importEvents} generated events into Kept`);
      const worker = await startWorkerProcess({
        script: 'kept-worker.ts',
        env: baseWorkerEnv(server, directory, mail.port, bundles.kept, 'bench-kept'),
      });
      try {
        results.import = await runImportBench({
          address: server.address,
          taskQueue: 'bench-kept',
          directory,
          events: options.importEvents,
          brand,
        });
        const curve = results.import.rssByTenth.map((rss) => Math.round(rss / 2 ** 20)).join(', ');
        log(`bulk import: importer RSS at each tenth of the run, MiB: ${curve}`);
      } finally {
        await worker.stop();
      }
    }
    const rows = reportRows(results as BenchResults);
    console.log(options.json ? JSON.stringify({ options, rows }, null, 2) : formatTable(rows));
  } finally {
    await statistics?.close();
    await mail.close();
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

function runContext(
  system: BenchSystem,
  worker: WorkerProcess,
  client: Client,
  server: BenchServer,
  mail: Awaited<ReturnType<typeof startMailWatch>>,
  options: BenchOptions,
  log: (line: string) => void,
): RunContext {
  return {
    client,
    system,
    worker,
    serverPid: server.pid,
    mail,
    concurrency: options.concurrency,
    customers: options.customers,
    sleepingLevels: sleepingLevelsOf(options),
    historySample: Math.min(options.historySample, options.customers),
    emailSamples: options.emailSamples,
    timerSamples: options.timerSamples,
    log,
  };
}

function sleepingLevelsOf(options: BenchOptions): number[] {
  return [...new Set([...options.sleeping, ...(options.large ? [10_000, 50_000] : [])])].sort((a, b) => a - b);
}

/** In memory unless told, or unless a level is large enough to crash the in-memory store (dev-server.ts). */
function serverStoreOf(options: BenchOptions): 'memory' | 'file' {
  return options.serverStore ?? (sleepingLevelsOf(options).some((level) => level >= 50_000) ? 'file' : 'memory');
}

/** The environment every bench worker gets; Kept's worker reads its usual KEPT_* settings too. */
function baseWorkerEnv(
  server: BenchServer,
  directory: string,
  smtpPort: number,
  bundle: string,
  taskQueue: string,
): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: server.address,
    BENCH_TASK_QUEUE: taskQueue,
    BENCH_WORKFLOW_BUNDLE: bundle,
    BENCH_SMTP_PORT: String(smtpPort),
    ...benchDataDir(directory),
    KEPT_PUBLIC_URL: 'http://localhost:8080',
    KEPT_UNSUBSCRIBE_SECRET: 'bench-unsubscribe-secret-0123456789',
    KEPT_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
  };
}

/** Where the Kept worker keeps its ledger and statistics (ledgerConfigOf), shared with the bench's client. */
const benchDataDir = (directory: string) => ({ KEPT_DATA_DIR: path.join(directory, 'data') });

/** Bundles Kept's workflows, the baseline's and the floor's once, for every worker of the run. */
async function writeBundles(directory: string): Promise<Record<'kept' | 'bare' | 'floor', string>> {
  const quiet = {
    log: () => undefined,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (m: string) => console.error(m),
  };
  const [kept, bare, floor] = await Promise.all([
    bundleWorkflowCode(keptWorkflowBundleOptions({ logger: quiet })),
    bundleWorkflowCode({ workflowsPath: require.resolve('./bare-workflows'), logger: quiet }),
    bundleWorkflowCode({ workflowsPath: require.resolve('./floor-workflows'), logger: quiet }),
  ]);
  const paths = {
    kept: path.join(directory, 'kept-bundle.js'),
    bare: path.join(directory, 'bare-bundle.js'),
    floor: path.join(directory, 'floor-bundle.js'),
  };
  writeFileSync(paths.kept, kept.code);
  writeFileSync(paths.bare, bare.code);
  writeFileSync(paths.floor, floor.code);
  return paths;
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exit(1);
});
