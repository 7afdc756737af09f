import type { PromiseOutcome, PromiseOutcomeKind } from './schema';

/**
 * Kept-rate: the share of decided promises kept as first promised. Renegotiated promises are
 * counted apart (they were kept, but not as first promised), kept-late ones are not kept, and
 * cancelled ones are left out of the rate altogether (nothing was decided).
 */
export interface KeptRate {
  total: number;
  kept: number;
  keptLate: number;
  renegotiated: number;
  breached: number;
  cancelled: number;
  /** kept / (total − cancelled); null when nothing was decided yet. */
  keptRate: number | null;
  /** Mean slack (due minus end) of fulfilled promises, in ms; null when none. */
  meanSlackMs: number | null;
}

export type KeptRateGrouping = 'owner' | 'team' | 'brand';

type Measured = Pick<PromiseOutcome, 'outcome' | 'owner' | 'team' | 'brand' | 'slackMs'>;

export function keptRate(outcomes: readonly Measured[]): KeptRate {
  const count = (kind: PromiseOutcomeKind): number => outcomes.filter((o) => o.outcome === kind).length;
  const cancelled = count('cancelled');
  const decided = outcomes.length - cancelled;
  const fulfilled = outcomes.filter((o) => ['kept', 'kept-late', 'renegotiated'].includes(o.outcome));
  return {
    total: outcomes.length,
    kept: count('kept'),
    keptLate: count('kept-late'),
    renegotiated: count('renegotiated'),
    breached: count('breached'),
    cancelled,
    keptRate: decided > 0 ? count('kept') / decided : null,
    meanSlackMs: fulfilled.length > 0 ? fulfilled.reduce((sum, o) => sum + o.slackMs, 0) / fulfilled.length : null,
  };
}

/** Kept-rate per owner, team or brand (promises without a team are grouped under '(no team)'). */
export function keptRateBy(outcomes: readonly Measured[], grouping: KeptRateGrouping): Record<string, KeptRate> {
  const groups = new Map<string, Measured[]>();
  for (const outcome of outcomes) {
    const key = grouping === 'team' ? (outcome.team ?? '(no team)') : outcome[grouping];
    groups.set(key, [...(groups.get(key) ?? []), outcome]);
  }
  return Object.fromEntries([...groups].map(([key, group]) => [key, keptRate(group)]));
}
