import {
  addSample,
  binEdges,
  emptySketch,
  quantile,
  sampleCount,
  SKETCH_BINS,
  survival,
  type DurationSketch,
} from './transit-sketch';

/**
 * Late-delivery risk for a parcel that has NOT arrived yet, from a transit-time sketch:
 *
 *   P(arrives after the promise | not delivered by now, dispatched at d) = S(promise − d) / S(now − d)
 *
 * where S is the sketch's survival function. Rules where the formula has no answer:
 * - `now` at or past the promise: the parcel is late, risk 1;
 * - S(now − d) = 0 (longer in transit than any parcel we have seen): risk RISK_CEILING (1) —
 *   the parcel is overdue on every evidence we have, so the risk is high, never NaN;
 * - fewer than MIN_LEARNED_SAMPLES observations: the DEFAULT transit distribution is used
 *   instead (log-normal, median 3 days, σ = 0.5: 90% of parcels in 1.3–6.8 days), and the
 *   model says so (`learned: false`) so the message's basis does not claim knowledge it lacks.
 *
 * Monotone: S is non-increasing, so for a fixed promise the risk never falls as time passes
 * without a delivery. PURE and deterministic: workflow code calls it.
 */

const DAY_MS = 86_400_000;
export const MIN_LEARNED_SAMPLES = 20;
export const RISK_CEILING = 1;
export const DEFAULT_MEDIAN_DAYS = 3;
export const DEFAULT_SIGMA = 0.5;
/** Pseudo-samples the default distribution is drawn with (its bins hold its probabilities × this). */
const DEFAULT_WEIGHT = 10_000;

export interface TransitModel {
  sketch: DurationSketch;
  /** From the brand's own deliveries (true) or the default distribution (false). */
  learned: boolean;
  /** Observations behind the model (0 for the default). */
  samples: number;
  /**
   * Blended models with enough learned samples: the longest transit the brand's own parcels
   * took (top of their highest bin). A parcel out longer is overdue on the brand's evidence:
   * risk RISK_CEILING, whatever the prior's tail says.
   */
  longestLearnedMs?: number;
}

export interface TransitClock {
  dispatchedAt: number;
  promisedAt: number;
}

export interface NoticeSettings {
  /** Notify once the conditional risk reaches this (0..1]. */
  threshold: number;
  /** Never later than this long before the promise. */
  minLeadMs: number;
}

/** The learned sketch when it has enough samples, else the default distribution. */
export function transitModel(learned: DurationSketch | undefined, minSamples = MIN_LEARNED_SAMPLES): TransitModel {
  const samples = learned ? sampleCount(learned) : 0;
  if (learned && samples >= minSamples) return { sketch: learned, learned: true, samples };
  return { sketch: DEFAULT_TRANSIT_SKETCH, learned: false, samples };
}

/**
 * Cold start without a cliff: the learned sketch with the default distribution counted as
 * `priorWeight` pseudo-deliveries (a Bayesian prior), so a brand's first deliveries move the
 * model a little and its hundredth barely feels the prior. The fixed rule of `transitModel`
 * ignores 19 real deliveries and then trusts 20 completely, including a tail of 1 or 2
 * held-up parcels. The model counts as `learned` (the message may say "usually") from
 * MIN_LEARNED_SAMPLES on, as before. From then on, a parcel out longer than any of the brand's
 * own parcels is overdue (risk RISK_CEILING), as with the learned sketch alone: the prior's
 * tail must not argue that away.
 */
export const PRIOR_WEIGHT = 20;

export function blendedTransitModel(learned: DurationSketch | undefined, priorWeight = PRIOR_WEIGHT): TransitModel {
  const samples = learned ? sampleCount(learned) : 0;
  if (!learned || samples === 0) return { sketch: DEFAULT_TRANSIT_SKETCH, learned: false, samples };
  // The default's bins are rounded counts: scale by their real total so the prior weighs exactly priorWeight.
  const scale = priorWeight / sampleCount(DEFAULT_TRANSIT_SKETCH);
  const counts = learned.counts.map((count, bin) => count + (DEFAULT_TRANSIT_SKETCH.counts[bin] ?? 0) * scale);
  const learnedEnough = samples >= MIN_LEARNED_SAMPLES;
  const topBin = learned.counts.reduce((top, count, bin) => (count > 0 ? bin : top), 0);
  return {
    sketch: { counts },
    learned: learnedEnough,
    samples,
    ...(learnedEnough ? { longestLearnedMs: binEdges(topBin)[1] } : {}),
  };
}

export function conditionalLateRisk(model: TransitModel, clock: TransitClock, now: number): number {
  const horizon = clock.promisedAt - clock.dispatchedAt;
  const elapsed = Math.max(0, now - clock.dispatchedAt);
  if (elapsed >= horizon) return 1;
  if (overdue(model, elapsed)) return RISK_CEILING;
  const stillInTransit = survival(model.sketch, elapsed);
  if (stillInTransit <= 0) return RISK_CEILING;
  return Math.min(1, Math.max(0, survival(model.sketch, horizon) / stillInTransit));
}

/** Whether the risk at `elapsed` (ms since dispatch) has reached the threshold: monotone in elapsed. */
function reached(model: TransitModel, horizon: number, elapsed: number, threshold: number): boolean {
  if (overdue(model, elapsed)) return RISK_CEILING >= threshold;
  const stillInTransit = survival(model.sketch, elapsed);
  if (stillInTransit <= 0) return RISK_CEILING >= threshold;
  return survival(model.sketch, horizon) >= threshold * stillInTransit;
}

/** Out longer than any parcel the brand has learned from (monotone in elapsed: keeps bisection sound). */
function overdue(model: TransitModel, elapsed: number): boolean {
  return model.longestLearnedMs !== undefined && elapsed >= model.longestLearnedMs;
}

/** Bisection stops at this resolution; the instant is then rounded up to the whole minute. */
const RESOLUTION_MS = 60_000;
const MAX_BISECTIONS = 64;

/**
 * The first instant at which the conditional risk reaches `threshold` if nothing arrives:
 * found by bisection on the time since dispatch (the predicate is monotone), to the minute.
 * It exists and is at most the promise (at the promise the risk is 1). Undefined when the
 * clock makes no sense (a promise at or before dispatch).
 */
export function riskCrossing(model: TransitModel, clock: TransitClock, threshold: number): number | undefined {
  const horizon = clock.promisedAt - clock.dispatchedAt;
  if (!(horizon > 0)) return undefined;
  if (reached(model, horizon, 0, threshold)) return clock.dispatchedAt;
  let low = 0;
  let high = horizon;
  for (let step = 0; step < MAX_BISECTIONS && high - low > RESOLUTION_MS; step += 1) {
    const middle = low + (high - low) / 2;
    if (reached(model, horizon, middle, threshold)) high = middle;
    else low = middle;
  }
  const crossing = Math.ceil((clock.dispatchedAt + high) / RESOLUTION_MS) * RESOLUTION_MS;
  return Math.min(crossing, clock.promisedAt);
}

export interface NoticeInstant {
  at: number;
  /** What decided it: the risk crossing the threshold, or the brand's minimum lead before the promise. */
  by: 'risk' | 'min-lead';
  /** The conditional risk at `at`, if nothing has arrived by then. */
  risk: number;
}

/**
 * When to tell the customer: the risk crossing, clipped to `promise − minLead` (a notice that
 * comes too late to help is no notice), never before dispatch, never after the promise.
 */
export function crossingInstant(
  model: TransitModel,
  clock: TransitClock,
  settings: NoticeSettings,
): NoticeInstant | undefined {
  const crossing = riskCrossing(model, clock, settings.threshold);
  if (crossing === undefined) return undefined;
  const latest = Math.max(clock.dispatchedAt, clock.promisedAt - settings.minLeadMs);
  const at = Math.min(crossing, latest, clock.promisedAt);
  return { at, by: at < crossing ? 'min-lead' : 'risk', risk: conditionalLateRisk(model, clock, at) };
}

/** The expected arrival of a parcel still in transit at `now`: the median of what remains. */
export function expectedArrival(model: TransitModel, clock: TransitClock, now: number): number {
  const elapsed = Math.max(0, now - clock.dispatchedAt);
  const left = survival(model.sketch, elapsed);
  if (left <= 0) return now;
  // The duration t with S(t) = S(elapsed) / 2: half of the parcels still out by now arrive before it.
  const median = quantile(model.sketch, 1 - left / 2) ?? elapsed;
  return clock.dispatchedAt + Math.max(elapsed, median);
}

export function typicalTransitDays(model: TransitModel): number {
  return (quantile(model.sketch, 0.5) ?? DEFAULT_MEDIAN_DAYS * DAY_MS) / DAY_MS;
}

/** The default distribution, as a sketch: each bin holds its log-normal probability × DEFAULT_WEIGHT. */
function defaultTransitSketch(): DurationSketch {
  let sketch = emptySketch();
  const mu = Math.log(DEFAULT_MEDIAN_DAYS * DAY_MS);
  const cdf = (ms: number) => 0.5 * (1 + erf((Math.log(ms) - mu) / (DEFAULT_SIGMA * Math.SQRT2)));
  for (let bin = 0; bin <= SKETCH_BINS; bin += 1) {
    const [low, high] = binEdges(bin);
    const lowCdf = bin === 0 ? 0 : cdf(low);
    const highCdf = bin === SKETCH_BINS ? 1 : cdf(high);
    const count = Math.round((highCdf - lowCdf) * DEFAULT_WEIGHT);
    if (count > 0) sketch = addSample(sketch, Math.sqrt(low * high), count);
  }
  return sketch;
}

/** Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): enough for bin weights. */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-x * x));
}

export const DEFAULT_TRANSIT_SKETCH: DurationSketch = defaultTransitSketch();
