import type { Dominance, LateDeliveryBaseline, LateDeliveryQuality, MeasureVerdict } from './schema';

/**
 * Whether Kept's late-delivery notices beat a baseline rule on the same history, by Pareto
 * dominance (issue 12): at least the baseline's recall, at least its precision, and a strictly
 * longer median lead time (the point of anticipating: the customer hears it earlier). A rule
 * that never noticed anything has no precision and no lead: any notice Kept gave is better there.
 * Pure: from the two scores.
 */
export const DOMINANCE_RULE =
  'Kept dominates a baseline when its recall ≥ the baseline’s, its precision ≥ the baseline’s, and its median lead time is strictly longer.';

type Scores = Pick<LateDeliveryQuality, 'recall' | 'precision' | 'leadTimeDays'>;

/** Ratios equal to the last few bits are equal (3/4 computed two ways). */
const EPSILON = 1e-9;

export function keptVersus(kept: Scores, baseline: Pick<LateDeliveryBaseline, 'id'> & Scores): Dominance {
  const recall = verdict(kept.recall ?? 0, baseline.recall ?? 0);
  const precision = verdict(kept.precision, baseline.precision);
  const medianLead = verdict(kept.leadTimeDays?.median ?? null, baseline.leadTimeDays?.median ?? null);
  const dominates = recall !== 'worse' && precision !== 'worse' && medianLead === 'better';
  const measures = [
    `recall ${compared(kept.recall ?? 0, baseline.recall ?? 0, recall, share)}`,
    `precision ${compared(kept.precision, baseline.precision, precision, share)}`,
    `median lead ${compared(kept.leadTimeDays?.median ?? null, baseline.leadTimeDays?.median ?? null, medianLead, days)}`,
  ];
  const summary = `Kept ${dominates ? 'dominates' : 'does not dominate'} ${baseline.id}: ${measures.join(', ')}`;
  return { dominates, recall, precision, medianLead, summary };
}

/** Kept's value against the baseline's, higher is better; a missing value is worse than any. */
function verdict(kept: number | null, baseline: number | null): MeasureVerdict {
  if (kept === null) return baseline === null ? 'same' : 'worse';
  if (baseline === null) return 'better';
  if (Math.abs(kept - baseline) <= EPSILON) return 'same';
  return kept > baseline ? 'better' : 'worse';
}

function compared(
  kept: number | null,
  baseline: number | null,
  outcome: MeasureVerdict,
  format: (value: number | null) => string,
): string {
  const sign = { better: '>', same: '=', worse: '<' }[outcome];
  return `${format(kept)} ${sign} ${format(baseline)}`;
}

const share = (value: number | null): string => (value === null ? 'none' : value.toFixed(2));
const days = (value: number | null): string => (value === null ? 'none' : `${value.toFixed(2)} d`);
