import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DAYS, DEFAULT_START, generateHistory, type GeneratedHistory } from './history-generator/generate';

/**
 * `npx tsx examples/generate-history.ts --customers 50 --seed sample --out examples/backtest`
 * writes history.jsonl (one lifecycle event per line, in occurredAt order, ready for
 * `kept import` or `kept backtest`) and truth.json (the ground truth the backtest is scored
 * against). Same options → same bytes.
 */
export function writeGeneratedHistory(history: GeneratedHistory, outDir: string): { history: string; truth: string } {
  mkdirSync(outDir, { recursive: true });
  const historyFile = path.join(outDir, 'history.jsonl');
  const truthFile = path.join(outDir, 'truth.json');
  writeFileSync(historyFile, history.events.map((event) => JSON.stringify(event)).join('\n') + '\n');
  writeFileSync(truthFile, JSON.stringify(history.truth, null, 2) + '\n');
  return { history: historyFile, truth: truthFile };
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('use a positive whole number');
  return parsed;
}

function instant(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('use an ISO date, e.g. 2025-09-01');
  return new Date(ms).toISOString();
}

function main(): void {
  const options = new Command('generate-history')
    .description('Write a synthetic lifecycle history with a known ground truth')
    .requiredOption('--customers <n>', 'number of customers', positiveInteger)
    .option('--seed <seed>', 'seed of the generator (same seed → same files)', 'kept')
    .option('--start <instant>', 'when the history starts', instant, DEFAULT_START)
    .option('--days <n>', 'how many days the history spans', positiveInteger, DEFAULT_DAYS)
    .requiredOption('--out <dir>', 'folder to write history.jsonl and truth.json to')
    .parse()
    .opts<{ customers: number; seed: string; start: string; days: number; out: string }>();
  const history = generateHistory(options);
  const files = writeGeneratedHistory(history, options.out);
  const { orders } = history.truth;
  const late = orders.filter((order) => order.late).length;
  console.log(
    `${history.events.length} events for ${options.customers} customers → ${files.history}\n` +
      `${orders.length} orders, ${late} late (${((100 * late) / Math.max(1, orders.length)).toFixed(1)} %; ` +
      `expected ${(100 * history.truth.parameters.expectedLateShare).toFixed(1)} %) → ${files.truth}`,
  );
}

if (require.main === module) main();
