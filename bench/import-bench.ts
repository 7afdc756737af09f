import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { rssBytes } from './process-stats';

/**
 * Bulk import at scale: a generated JSONL history (customers' events interleaved, as in an
 * export sorted by time) imported by the real `kept import` CLI into Kept, while the bench
 * samples the importer's resident memory. Flat memory: RSS at the end close to RSS early on.
 */
export interface ImportBenchResult {
  events: number;
  eventsPerSecond: number;
  peakRssBytes: number;
  /** RSS at the end ÷ RSS once 10 % of the run's time had passed. */
  rssGrowth: number;
  /**
   * RSS once each tenth of the run's time had passed (10 %, 20 %, … 100 %): one sample early and
   * one at the end can catch a GC cycle at different points, the curve shows whether it climbs.
   */
  rssByTenth: number[];
}

const EVENTS_PER_CUSTOMER = 20;

export async function writeImportFile(file: string, events: number, brand: string): Promise<void> {
  const customers = Math.max(1, Math.ceil(events / EVENTS_PER_CUSTOMER));
  const out = createWriteStream(file);
  const start = Date.UTC(2025, 0, 1);
  for (let index = 0; index < events; index += 1) {
    const customer = index % customers;
    const step = Math.floor(index / customers);
    const line = JSON.stringify({
      type: 'product.viewed',
      eventId: `imp-${customer}-${step}`,
      brand,
      customerId: `imp-${customer}`,
      occurredAt: new Date(start + step * 3_600_000 + customer).toISOString(),
      sku: `sku-${step % 7}`,
    });
    if (!out.write(line + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function runImportBench(options: {
  address: string;
  taskQueue: string;
  directory: string;
  events: number;
  brand: string;
}): Promise<ImportBenchResult> {
  const file = path.join(options.directory, 'import.jsonl');
  await writeImportFile(file, options.events, options.brand);
  const child = spawn(
    process.execPath,
    [path.resolve(__dirname, '../bin/kept.js'), 'import', file, '--concurrency', '32', '--json'],
    {
      env: { ...process.env, TEMPORAL_ADDRESS: options.address, KEPT_TASK_QUEUE: options.taskQueue },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const samples: { at: number; rss: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    try {
      samples.push({ at: Date.now() - started, rss: rssBytes(child.pid!) });
    } catch {
      // The importer has just exited.
    }
  }, 500);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(sampler);
  if (code !== 0) throw new Error(`kept import exited with ${code}: ${stdout.slice(0, 500)}`);
  const summary = JSON.parse(stdout) as { eventsSent: number; eventsPerSecond: number };
  const duration = Date.now() - started;
  const early = samples.find((sample) => sample.at >= duration * 0.1) ?? samples[0];
  const last = samples.at(-1);
  return {
    events: summary.eventsSent,
    eventsPerSecond: summary.eventsPerSecond,
    peakRssBytes: Math.max(...samples.map((sample) => sample.rss)),
    rssGrowth: early && last ? last.rss / early.rss : Number.NaN,
    rssByTenth: Array.from({ length: 10 }, (_, tenth) => rssAt(samples, (duration * (tenth + 1)) / 10)),
  };
}

/** The last sample taken by `at` (ms into the run); the first one if none was. */
function rssAt(samples: { at: number; rss: number }[], at: number): number {
  return (samples.filter((sample) => sample.at <= at).at(-1) ?? samples[0])?.rss ?? Number.NaN;
}
