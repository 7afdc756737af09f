import type { Quantiles } from './schema';

/** Shared number formats, so the terminal and the HTML say the same thing the same way. */
export function share(value: number | null): string {
  return value === null ? '–' : value.toFixed(2);
}

export function percent(value: number | null): string {
  return value === null ? '–' : `${(100 * value).toFixed(1)} %`;
}

export function days(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return `${value > 0 ? '+' : ''}${value.toFixed(1)} d`;
}

export function spread(q: Quantiles): string {
  return q ? `median ${days(q.median)} (p10 ${days(q.p10)}, p90 ${days(q.p90)})` : '–';
}

export function signedCount(delta: number): string {
  return delta > 0 ? `+${delta}` : String(delta);
}

export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function rules(byRule: Record<string, number>): string {
  const entries = Object.entries(byRule).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '' : entries.map(([rule, count]) => `${rule} ${count}`).join(', ');
}
