import { importEventTimeBounds, loadKeptEnv } from '../common/config';
import type { LifecycleEvent } from '../common/events';
import { planImport } from '../import/plan';

/** A history read for a backtest: the valid events in global `occurredAt` order, and what was rejected. */
export interface BacktestHistory {
  /** Valid events inside the window (and of the brand, when one is given), in replay order. */
  events: LifecycleEvent[];
  /** Lines rejected by validation, as `kept import` reports them. */
  rejected: { line: number; error: string }[];
  rows: number;
  /** Valid events left out by `brand`, `from` or `to`. */
  filteredOut: number;
}

export interface HistoryFilter {
  brand?: string;
  /** ISO instants; events before `from` or after `to` are not replayed. */
  from?: string;
  to?: string;
}

export class EmptyHistoryError extends Error {
  override name = 'EmptyHistoryError';
}

/**
 * Reads the history with the very reader and validation `kept import` uses (same formats, same
 * per-line errors, same time window), then orders every valid event by `occurredAt`, keeping
 * the file's order for equal instants. No valid event to replay is an error, not an empty report.
 */
export async function readBacktestHistory(file: string, filter: HistoryFilter = {}): Promise<BacktestHistory> {
  const plan = await planImport(file, importEventTimeBounds(loadKeptEnv({})));
  const valid = plan.customers.flatMap((customer) => customer.batches.flat());
  const kept = valid.filter((event) => inFilter(event, filter));
  const events = kept
    .map((event, index) => ({ event, index, at: Date.parse(event.occurredAt) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ event }) => event);
  const rejected = plan.rejected.map((row) => ({ line: row.line, error: row.reason }));
  if (events.length === 0) throw new EmptyHistoryError(emptyMessage(file, plan.rows, rejected, valid.length));
  return { events, rejected, rows: plan.rows, filteredOut: valid.length - kept.length };
}

function inFilter(event: LifecycleEvent, filter: HistoryFilter): boolean {
  const at = Date.parse(event.occurredAt);
  if (filter.brand !== undefined && event.brand !== filter.brand) return false;
  if (filter.from !== undefined && at < Date.parse(filter.from)) return false;
  if (filter.to !== undefined && at > Date.parse(filter.to)) return false;
  return true;
}

function emptyMessage(file: string, rows: number, rejected: BacktestHistory['rejected'], valid: number): string {
  const lines = [`${file}: no valid event to replay (${rows} rows, ${rejected.length} rejected, ${valid} valid)`];
  if (valid > 0) lines.push('  every valid event is outside --brand / --from / --to');
  lines.push(...rejected.slice(0, 10).map((row) => `  line ${row.line}: ${row.error}`));
  if (rejected.length > 10) lines.push(`  ... and ${rejected.length - 10} more rejected lines`);
  return lines.join('\n');
}
