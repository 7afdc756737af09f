import { createHash } from 'node:crypto';
import type { BacktestCapture } from './capture';
import type { BacktestProgress } from './replay';

/**
 * Sharding a backtest: customers are spread over several time-skipping servers, each with its
 * own worker, ledger and capture, run in parallel. A server's clock is held while any of its
 * tasks is outstanding, so one server replays latency-bound (each event waits for the chain of
 * work of the one before); shards overlap those waits.
 *
 * Customers never share a workflow, so shards are independent, with one exception that is a
 * choice: the brand statistics anticipation learns from. Each shard's worker learns in memory
 * from its own share of the customers, up to its own virtual time. A store shared between
 * shards would be wrong: shards reach different virtual dates, so a shard behind would learn
 * from deliveries another shard had already replayed, i.e. from its own future.
 */

/** The shard a customer's events go to: a stable hash of brand and customer id, the same on every run. */
export function shardOf(brand: string, customerId: string, shards: number): number {
  if (shards <= 1) return 0;
  const digest = createHash('sha256').update(`${brand}/${customerId}`).digest();
  return digest.readUInt32BE(0) % shards;
}

/** Splits items (events, in replay order) by their customer's shard, keeping the order within each. */
export function splitByShard<T extends { brand: string; customerId: string }>(items: T[], shards: number): T[][] {
  const parts: T[][] = Array.from({ length: shards }, () => []);
  for (const item of items) parts[shardOf(item.brand, item.customerId, shards)]!.push(item);
  return parts;
}

type Observed = Pick<BacktestCapture, 'decisions' | 'messages' | 'promises'>;

/**
 * Shards hold disjoint customers: their observations just add up, in the order one run lists them.
 * Except what is per team, not per customer: each shard runs its own team digest, so the same
 * digest (same key: team and period) can come from several shards. A real deployment sends it
 * once, so it counts once, at its earliest.
 */
export function mergeObserved(parts: Observed[]): Observed {
  if (parts.length === 1) return parts[0]!;
  const messages = parts
    .flatMap((part) => part.messages)
    .sort((a, b) => a.sentAt.localeCompare(b.sentAt) || a.idempotencyKey.localeCompare(b.idempotencyKey));
  return {
    decisions: parts
      .flatMap((part) => part.decisions)
      .sort((a, b) => a.decidedAt.localeCompare(b.decidedAt) || a.idempotencyKey.localeCompare(b.idempotencyKey)),
    messages: firstOfEachKey(messages),
    promises: parts.flatMap((part) => part.promises),
  };
}

function firstOfEachKey<T extends { idempotencyKey: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.idempotencyKey) && seen.add(item.idempotencyKey));
}

/**
 * One progress for the whole run out of each shard's: events done add up, the virtual date is
 * the slowest shard's (everything before it is done everywhere), the run is running on only once
 * every shard is, and the ETA comes from the overall rate.
 */
export function progressMerger(
  shardTotals: number[],
  onProgress: ((progress: BacktestProgress) => void) | undefined,
): (shard: number) => (progress: BacktestProgress) => void {
  const started = Date.now();
  const latest: (BacktestProgress | undefined)[] = shardTotals.map(() => undefined);
  const eventsTotal = shardTotals.reduce((sum, total) => sum + total, 0);
  return (shard) => (progress) => {
    latest[shard] = progress;
    if (!onProgress) return;
    if (shardTotals.length === 1) return onProgress(progress);
    const known = latest.filter((entry): entry is BacktestProgress => entry !== undefined);
    const eventsDone = known.reduce((sum, entry) => sum + entry.eventsDone, 0);
    const slowest = known.length < latest.length ? undefined : known.map((entry) => entry.virtualTime).sort()[0];
    if (!slowest) return;
    const elapsed = Date.now() - started;
    onProgress({
      phase: known.every((entry) => entry.phase === 'run-on') ? 'run-on' : 'events',
      virtualTime: slowest,
      eventsDone,
      eventsTotal,
      ...(eventsDone > 0 ? { etaMs: Math.round((elapsed / eventsDone) * (eventsTotal - eventsDone)) } : {}),
    });
  };
}
