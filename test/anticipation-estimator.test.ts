import {
  blendedTransitModel,
  conditionalLateRisk,
  DEFAULT_TRANSIT_SKETCH,
  PRIOR_WEIGHT,
  crossingInstant,
  MIN_LEARNED_SAMPLES,
  transitModel,
  type TransitClock,
} from '../common/anticipation/conditional-risk';
import {
  addSample,
  emptySketch,
  mergeSketches,
  parseSketch,
  quantile,
  sampleCount,
  serializeSketch,
  survival,
  type DurationSketch,
} from '../common/anticipation/transit-sketch';

/**
 * The estimator is pure: samples drawn from a known distribution (a seeded generator, so the
 * test is repeatable) must give the analytic conditional risk within a stated tolerance.
 *
 * Tolerance: |estimated − analytic| ≤ 0.03 for a log-normal transit (median 4 days, σ = 0.6)
 * learned from 20,000 samples, wherever at least 5% of parcels are still in transit.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** mulberry32: a small seeded generator. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const MU = Math.log(4 * DAY);
const SIGMA = 0.6;

/** Φ(z) by Simpson's rule on the normal density: independent of the code under test. */
function normalCdf(z: number): number {
  if (z < -8) return 0;
  const steps = 2000;
  const low = -8;
  const width = (z - low) / steps;
  const density = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  let sum = density(low) + density(z);
  for (let step = 1; step < steps; step += 1) sum += density(low + step * width) * (step % 2 === 1 ? 4 : 2);
  return (sum * width) / 3;
}
const trueSurvival = (ms: number) => 1 - normalCdf((Math.log(ms) - MU) / SIGMA);

function learnedFrom(count: number, seed = 7): DurationSketch {
  const random = seeded(seed);
  let sketch = emptySketch();
  for (let index = 0; index < count; index += 1) sketch = addSample(sketch, Math.exp(MU + SIGMA * normal(random)));
  return sketch;
}

const dispatchedAt = Date.parse('2026-03-02T08:00:00Z');
const clock: TransitClock = { dispatchedAt, promisedAt: dispatchedAt + 9 * DAY };

describe('conditional late-delivery risk from a learned transit sketch', () => {
  const model = transitModel(learnedFrom(20_000));

  it('matches the analytic P(T > promise | T > elapsed) within 0.03 at several elapsed times', () => {
    expect(model.learned).toBe(true);
    const horizon = clock.promisedAt - dispatchedAt;
    for (const elapsedDays of [0, 1, 3, 5, 6.5, 8]) {
      const elapsed = elapsedDays * DAY;
      const analytic = trueSurvival(horizon) / trueSurvival(Math.max(elapsed, 1));
      const estimated = conditionalLateRisk(model, clock, dispatchedAt + elapsed);
      expect(Math.abs(estimated - analytic)).toBeLessThanOrEqual(0.03);
    }
    // the conditional risk really is not the unconditional share: it grows several-fold
    expect(conditionalLateRisk(model, clock, dispatchedAt + 8 * DAY)).toBeGreaterThan(
      3 * conditionalLateRisk(model, clock, dispatchedAt),
    );
  });

  it('rises monotonically with the time already in transit, to 1 at the promise', () => {
    let previous = 0;
    for (let elapsed = 0; elapsed <= 9 * DAY; elapsed += HOUR) {
      const risk = conditionalLateRisk(model, clock, dispatchedAt + elapsed);
      expect(risk).toBeGreaterThanOrEqual(previous);
      previous = risk;
    }
    expect(previous).toBe(1);
  });

  it('is high, not undefined, once the parcel has been out longer than any parcel seen', () => {
    let short = emptySketch();
    for (let day = 2; day <= 4; day += 0.01) short = addSample(short, day * DAY);
    const shortModel = transitModel(short);
    const far: TransitClock = { dispatchedAt, promisedAt: dispatchedAt + 30 * DAY };
    expect(survival(short, 10 * DAY)).toBe(0);
    expect(conditionalLateRisk(shortModel, far, dispatchedAt + 10 * DAY)).toBe(1);
  });

  it('uses the default distribution, and says so, below the minimum number of samples', () => {
    const few = transitModel(learnedFrom(MIN_LEARNED_SAMPLES - 1));
    expect(few).toMatchObject({ learned: false, samples: MIN_LEARNED_SAMPLES - 1 });
    expect(transitModel(undefined).learned).toBe(false);
    expect(Number.isFinite(conditionalLateRisk(few, clock, dispatchedAt + 2 * DAY))).toBe(true);
    // the default's median is 3 days
    expect(Math.abs(quantile(few.sketch, 0.5)! - 3 * DAY)).toBeLessThan(0.2 * DAY);
  });
});

describe('cold start: the learned sketch blended with the default as a prior', () => {
  /** A brand whose parcels all take about 8 days: far from the default's 3. */
  function slowBrand(count: number): DurationSketch {
    let sketch = emptySketch();
    for (let index = 0; index < count; index += 1) sketch = addSample(sketch, (7.5 + index / count) * DAY);
    return sketch;
  }

  it('is the default with nothing learned, and the exact sample-weighted mixture otherwise', () => {
    expect(blendedTransitModel(undefined)).toMatchObject({ learned: false, samples: 0 });
    expect(blendedTransitModel(emptySketch()).sketch).toEqual(DEFAULT_TRANSIT_SKETCH);
    const learned = slowBrand(10);
    const blended = blendedTransitModel(learned);
    for (const days of [1, 3, 5, 7.8, 9]) {
      const mixture =
        (10 * survival(learned, days * DAY) + PRIOR_WEIGHT * survival(DEFAULT_TRANSIT_SKETCH, days * DAY)) /
        (10 + PRIOR_WEIGHT);
      expect(Math.abs(survival(blended.sketch, days * DAY) - mixture)).toBeLessThan(1e-9);
    }
  });

  it('lets the first deliveries count, without the cliff of the fixed minimum', () => {
    const outSevenDays = dispatchedAt + 7 * DAY;
    const risk = (model: ReturnType<typeof transitModel>) => conditionalLateRisk(model, clock, outSevenDays);
    // 19 deliveries of about 8 days: the fixed rule ignores them all (by the default's 3 days a
    // parcel out 7 days is a straggler, risk about 0.3 for a 9-day promise); the blend already
    // knows 7 days is on schedule for this brand.
    const fixed19 = risk(transitModel(slowBrand(19)));
    const blend19 = risk(blendedTransitModel(slowBrand(19)));
    expect(blend19).toBeLessThan(fixed19 - 0.2);
    // One more delivery flips the fixed rule to the learned sketch; the blend barely moves.
    const fixed20 = risk(transitModel(slowBrand(20)));
    const blend20 = risk(blendedTransitModel(slowBrand(20)));
    expect(Math.abs(fixed20 - fixed19)).toBeGreaterThan(0.25);
    expect(Math.abs(blend20 - blend19)).toBeLessThan(0.01);
  });

  it('still calls a parcel out longer than any of the brand’s own overdue: risk 1, not the prior’s tail', () => {
    const blended = blendedTransitModel(slowBrand(MIN_LEARNED_SAMPLES));
    const far: TransitClock = { dispatchedAt, promisedAt: dispatchedAt + 30 * DAY };
    expect(survival(slowBrand(MIN_LEARNED_SAMPLES), 10 * DAY)).toBe(0);
    expect(survival(blended.sketch, 10 * DAY)).toBeGreaterThan(0);
    expect(conditionalLateRisk(blended, far, dispatchedAt + 10 * DAY)).toBe(1);
    // Below the minimum the brand's few parcels are no such evidence: the prior's tail speaks.
    const few = blendedTransitModel(slowBrand(MIN_LEARNED_SAMPLES - 1));
    expect(conditionalLateRisk(few, far, dispatchedAt + 10 * DAY)).toBeLessThan(1);
  });

  it('fades the prior: with 20,000 deliveries it matches the learned sketch', () => {
    const learned = learnedFrom(20_000);
    const blended = blendedTransitModel(learned);
    expect(blended).toMatchObject({ learned: true, samples: 20_000 });
    for (const days of [1, 3, 5, 8]) {
      expect(Math.abs(survival(blended.sketch, days * DAY) - survival(learned, days * DAY))).toBeLessThan(0.002);
    }
  });
});

describe('a bounded sketch', () => {
  it('keeps the same serialized size after 10,000+ samples and absurd outliers', () => {
    const one = serializeSketch(addSample(emptySketch(), 3 * DAY));
    let many = learnedFrom(12_000, 3);
    for (const outlier of [0, -5, 1, 1e15, Number.MAX_SAFE_INTEGER, 400 * DAY]) many = addSample(many, outlier);
    many = addSample(many, Number.NaN);
    const serialized = serializeSketch(many);
    expect(serialized.length).toBe(one.length);
    expect(sampleCount(parseSketch(serialized))).toBe(12_006);
    // six outliers in 12,006 samples barely move the median (log-normal median 4 days)
    expect(Math.abs(quantile(many, 0.5)! - 4 * DAY)).toBeLessThan(0.3 * DAY);
  });

  it('merges by adding counts', () => {
    const a = learnedFrom(500, 1);
    const b = learnedFrom(700, 2);
    expect(sampleCount(mergeSketches(a, b))).toBe(1200);
    expect(parseSketch(serializeSketch(a))).toEqual(a);
  });
});

describe('the crossing instant', () => {
  const model = transitModel(learnedFrom(5_000, 11));

  it('is the first minute the risk reaches the threshold, never after the promise nor before dispatch', () => {
    const random = seeded(42);
    for (let trial = 0; trial < 200; trial += 1) {
      const horizon = (0.5 + random() * 14) * DAY;
      const trialClock = { dispatchedAt, promisedAt: dispatchedAt + Math.round(horizon) };
      const threshold = 0.05 + random() * 0.95;
      const minLeadMs = Math.round(random() * 2 * DAY);
      const notice = crossingInstant(model, trialClock, { threshold, minLeadMs })!;
      expect(notice.at).toBeLessThanOrEqual(trialClock.promisedAt);
      expect(notice.at).toBeGreaterThanOrEqual(dispatchedAt);
      expect(notice.at).toBeLessThanOrEqual(Math.max(dispatchedAt, trialClock.promisedAt - minLeadMs));
      if (notice.by === 'risk') {
        expect(notice.risk).toBeGreaterThanOrEqual(threshold - 1e-9);
        if (notice.at - 2 * 60_000 > dispatchedAt) {
          expect(conditionalLateRisk(model, trialClock, notice.at - 2 * 60_000)).toBeLessThan(threshold);
        }
      }
    }
  });

  it('comes before the promise for a parcel that left in good time, and at dispatch for one that left too late', () => {
    const relaxed = crossingInstant(model, clock, { threshold: 0.5, minLeadMs: 0 })!;
    expect(relaxed.by).toBe('risk');
    expect(relaxed.at).toBeGreaterThan(dispatchedAt + 4 * DAY);
    expect(relaxed.at).toBeLessThan(clock.promisedAt);
    const hopeless = { dispatchedAt, promisedAt: dispatchedAt + 2 * HOUR };
    expect(crossingInstant(model, hopeless, { threshold: 0.5, minLeadMs: 0 })!.at).toBe(dispatchedAt);
  });
});
