import { DateTime } from 'luxon';
import { EXAMPLES_PER_FIGURE, type Counted, type Example, type HistogramBin, type Quantiles } from './schema';

export const DAY_MS = 86_400_000;

/**
 * Quantile by linear interpolation between order statistics (Hyndman & Fan type 7, the
 * default of R and NumPy): position (n − 1)·p in the sorted values.
 */
export function quantile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * p;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below]!;
  const high = sorted[above]!;
  return low + (high - low) * (position - below);
}

export function quantiles(values: readonly number[]): Quantiles {
  if (values.length === 0) return null;
  return { median: quantile(values, 0.5)!, p10: quantile(values, 0.1)!, p90: quantile(values, 0.9)! };
}

export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** The ISO week of an instant, in UTC (2026-W07): the same for every reader, whatever their timezone. */
export function isoWeek(instant: string): string {
  const date = DateTime.fromISO(instant, { zone: 'utc' });
  return `${date.weekYear}-W${String(date.weekNumber).padStart(2, '0')}`;
}

export function daysBetween(later: string, earlier: string): number {
  return (Date.parse(later) - Date.parse(earlier)) / DAY_MS;
}

/** A count with its first few examples, in a stable order (by customer, then the rest). */
export function counted(examples: readonly Example[]): Counted {
  return { count: examples.length, examples: pickExamples(examples) };
}

export function pickExamples(examples: readonly Example[]): Example[] {
  return [...examples].sort(compareExamples).slice(0, EXAMPLES_PER_FIGURE);
}

function compareExamples(a: Example, b: Example): number {
  return (
    a.customerId.localeCompare(b.customerId) ||
    (a.orderId ?? '').localeCompare(b.orderId ?? '') ||
    (a.caseId ?? '').localeCompare(b.caseId ?? '') ||
    (a.messageId ?? '').localeCompare(b.messageId ?? '')
  );
}

/** Counts values into labelled bins [edge_i, edge_i+1), with open-ended first and last bins. */
export function histogram(values: readonly number[], edges: readonly number[], unit: string): HistogramBin[] {
  const bins: HistogramBin[] = [];
  bins.push({ label: `< ${edges[0]} ${unit}`, count: values.filter((v) => v < edges[0]!).length });
  for (let i = 0; i + 1 < edges.length; i++) {
    const low = edges[i]!;
    const high = edges[i + 1]!;
    bins.push({ label: `${low}–${high} ${unit}`, count: values.filter((v) => v >= low && v < high).length });
  }
  const last = edges[edges.length - 1]!;
  bins.push({ label: `≥ ${last} ${unit}`, count: values.filter((v) => v >= last).length });
  return bins;
}

/** Groups items by a key, keys in sorted order (reports never depend on input order). */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

export function customerKey(brand: string, customerId: string): string {
  return `${brand}\u0000${customerId}`;
}
