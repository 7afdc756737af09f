import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Command, InvalidArgumentError } from 'commander';
import { runBacktest, type BacktestProgress } from '../backtest/run-backtest';

/**
 * `npm run bench:backtest -- --customers 5000`: a generated history (four events per customer:
 * profile, order, dispatch, delivery; one order in eight reported delayed and delivered late),
 * spread over a year, through the whole backtest engine. Prints events/s of the replay and
 * the projection for the 5,000 customers / 20,000 events. A measurement, not a test.
 */
const DAY = 24 * 3_600_000;
const TARGET_EVENTS = 20_000;

function generate(customers: number, start: number): string[] {
  const lines: string[] = [];
  for (let n = 0; n < customers; n++) {
    const customerId = `c-${n}`;
    // Spread over a year, at business hours in UTC, deterministic.
    const placed = start + Math.floor((n * 365 * DAY) / customers) + ((n * 7919) % 9) * 3_600_000;
    const late = n % 8 === 0;
    const event = (type: string, offset: number, fields: Record<string, unknown> = {}) =>
      JSON.stringify({
        type,
        eventId: `${customerId}-${type}`,
        brand: 'nordhem',
        customerId,
        occurredAt: new Date(placed + offset).toISOString(),
        ...fields,
      });
    const orderId = `o-${n}`;
    lines.push(
      event('profile.updated', -60_000, { email: `${customerId}@example.com`, timezone: 'Europe/Stockholm' }),
      event('order.placed', 0, {
        orderId,
        items: [{ sku: 'lamp', name: 'Lamp', category: 'lighting', price: 80 }],
        promisedDeliveryAt: new Date(placed + 5 * DAY).toISOString(),
      }),
      event('shipment.dispatched', DAY, { orderId }),
      late
        ? event('shipment.delayed', 3 * DAY, {
            orderId,
            newEstimatedDeliveryAt: new Date(placed + 8 * DAY).toISOString(),
          })
        : event('shipment.delivered', 3 * DAY, { orderId }),
    );
  }
  return lines;
}

function positive(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('use a whole number of 1 or more');
  return number;
}

async function main(): Promise<void> {
  const options = new Command('bench-backtest')
    .option('--customers <n>', 'customers in the generated history (4 events each)', positive, 250)
    .option('--concurrency <n>', 'customers sent at once per instant', positive, 8)
    .option('--shards <n>', 'time-skipping servers the customers are spread over', positive, 1)
    .parse()
    .opts<{ customers: number; concurrency: number; shards: number }>();
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kept-bench-'));
  const file = path.join(dir, 'history.jsonl');
  // A year that ended before today, so every event passes the import's time window.
  const start = Date.parse('2025-01-06T08:00:00Z');
  const lines = generate(options.customers, start);
  writeFileSync(file, lines.join('\n') + '\n');
  let eventsPhaseEndedAt = 0;
  let startedAt = 0;
  let last = 0;
  try {
    const began = Date.now();
    const capture = await runBacktest({
      historyFile: file,
      concurrency: options.concurrency,
      shards: options.shards,
      // Once per shard: the replay starts when the last shard is up.
      onStarted: () => (startedAt = Date.now()),
      onProgress: (progress: BacktestProgress) => {
        if (progress.phase === 'events') eventsPhaseEndedAt = Date.now();
        if (Date.now() - last > 10_000) {
          last = Date.now();
          console.error(`${progress.eventsDone}/${progress.eventsTotal} events, ${progress.virtualTime}`);
        }
      },
    });
    const total = Date.now() - began;
    const replayMs = eventsPhaseEndedAt - startedAt;
    const rate = capture.events.length / (replayMs / 1000);
    console.log(
      [
        `history: ${options.customers} customers, ${capture.events.length} events over a year, ${options.shards} shard(s)`,
        `start-up (servers, worker, bundle): ${((startedAt - began) / 1000).toFixed(1)} s`,
        `event replay: ${(replayMs / 1000).toFixed(1)} s, ${rate.toFixed(1)} events/s`,
        `run-on and collection: ${((total - (eventsPhaseEndedAt - began)) / 1000).toFixed(1)} s`,
        `total: ${(total / 1000).toFixed(1)} s; ${capture.messages.length} messages, ${capture.promises.length} promises`,
        `projected for ${TARGET_EVENTS} events at this rate: ${(TARGET_EVENTS / rate / 60).toFixed(1)} min of replay`,
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
