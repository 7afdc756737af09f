import { z } from 'zod';

/**
 * A bounded histogram of durations (transit times, re-order intervals): counts in fixed,
 * log-spaced bins from one hour to 120 days, plus one overflow bin. O(1) memory whatever the
 * number of samples, and robust to outliers: a value below one hour counts in the first bin,
 * a value beyond 120 days in the overflow bin, so one absurd value moves one count, never the
 * scale. Log-spaced bins give the same relative precision (about 14% per bin) to a 6-hour
 * courier and to a 6-week freight.
 *
 * PURE and deterministic (no clock, no Node modules): workflow code reads it, and a replay
 * computes the same numbers. Within a bin, mass is spread evenly in log-time (log-uniform),
 * so `survival` and `quantile` are continuous and monotone; the overflow bin spreads its mass
 * over [120 days, 240 days).
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const SKETCH_LOWEST_MS = HOUR_MS;
export const SKETCH_HIGHEST_MS = 120 * DAY_MS;
/** Log-spaced bins between the lowest and highest value; one more bin holds what lies beyond. */
export const SKETCH_BINS = 60;
const OVERFLOW_TOP_MS = 2 * SKETCH_HIGHEST_MS;
const LOG_LOW = Math.log(SKETCH_LOWEST_MS);
const LOG_STEP = (Math.log(SKETCH_HIGHEST_MS) - LOG_LOW) / SKETCH_BINS;
/** A count never grows past this (a uint32): the serialized form has a fixed width. */
const MAX_COUNT = 0xffff_ffff;

export interface DurationSketch {
  /** SKETCH_BINS + 1 counts: the log-spaced bins, then the overflow bin. */
  counts: number[];
}

export function emptySketch(): DurationSketch {
  return { counts: new Array<number>(SKETCH_BINS + 1).fill(0) };
}

/** The bin a duration counts in: clamped into the first and the overflow bin. */
export function binOf(durationMs: number): number {
  if (!(durationMs > SKETCH_LOWEST_MS)) return 0;
  if (durationMs >= SKETCH_HIGHEST_MS) return SKETCH_BINS;
  return Math.min(SKETCH_BINS - 1, Math.floor((Math.log(durationMs) - LOG_LOW) / LOG_STEP));
}

/** Lower and upper edge (ms) of a bin. */
export function binEdges(bin: number): [number, number] {
  if (bin >= SKETCH_BINS) return [SKETCH_HIGHEST_MS, OVERFLOW_TOP_MS];
  return [Math.exp(LOG_LOW + bin * LOG_STEP), Math.exp(LOG_LOW + (bin + 1) * LOG_STEP)];
}

/** A new sketch with one more sample (`times` for a weighted add, e.g. a default prior). */
export function addSample(sketch: DurationSketch, durationMs: number, times = 1): DurationSketch {
  if (!Number.isFinite(durationMs)) return sketch;
  const counts = [...sketch.counts];
  const bin = binOf(durationMs);
  counts[bin] = Math.min(MAX_COUNT, counts[bin]! + times);
  return { counts };
}

export function mergeSketches(a: DurationSketch, b: DurationSketch): DurationSketch {
  return { counts: a.counts.map((count, bin) => Math.min(MAX_COUNT, count + (b.counts[bin] ?? 0))) };
}

export function sampleCount(sketch: DurationSketch): number {
  return sketch.counts.reduce((sum, count) => sum + count, 0);
}

/**
 * S(t) = P(duration > t), from 1 (t at or below one hour) down to 0 (beyond the overflow bin's
 * top). An empty sketch knows nothing has arrived: 1.
 */
export function survival(sketch: DurationSketch, durationMs: number): number {
  const total = sampleCount(sketch);
  if (total === 0 || durationMs <= SKETCH_LOWEST_MS) return 1;
  if (durationMs >= OVERFLOW_TOP_MS) return 0;
  const bin = binOf(durationMs);
  let above = 0;
  for (let later = bin + 1; later <= SKETCH_BINS; later += 1) above += sketch.counts[later]!;
  const [low, high] = binEdges(bin);
  const shareAbove = (Math.log(high) - Math.log(durationMs)) / (Math.log(high) - Math.log(low));
  above += sketch.counts[bin]! * Math.min(1, Math.max(0, shareAbove));
  return Math.min(1, Math.max(0, above / total));
}

/** The duration below which a share `p` (0..1) of the samples lie; undefined for an empty sketch. */
export function quantile(sketch: DurationSketch, p: number): number | undefined {
  const total = sampleCount(sketch);
  if (total === 0) return undefined;
  const wanted = Math.min(1, Math.max(0, p)) * total;
  let below = 0;
  for (let bin = 0; bin <= SKETCH_BINS; bin += 1) {
    const count = sketch.counts[bin]!;
    if (count > 0 && below + count >= wanted) {
      const [low, high] = binEdges(bin);
      const share = (wanted - below) / count;
      return Math.exp(Math.log(low) + share * (Math.log(high) - Math.log(low)));
    }
    below += count;
  }
  return OVERFLOW_TOP_MS;
}

/**
 * Fixed-width text (a version tag and 8 hex digits per bin): the same number of bytes for
 * one sample or a billion, for the ledger table and for workflow history.
 */
export function serializeSketch(sketch: DurationSketch): string {
  return `d1:${sketch.counts.map((count) => count.toString(16).padStart(8, '0')).join('')}`;
}

export const serializedSketchSchema = z
  .string()
  .regex(new RegExp(`^d1:[0-9a-f]{${8 * (SKETCH_BINS + 1)}}$`), 'not a serialized duration sketch');

export function parseSketch(text: string): DurationSketch {
  const body = serializedSketchSchema.parse(text).slice(3);
  const counts: number[] = [];
  for (let bin = 0; bin <= SKETCH_BINS; bin += 1) counts.push(parseInt(body.slice(bin * 8, bin * 8 + 8), 16));
  return { counts };
}

export const sketchDurations = { HOUR_MS, DAY_MS } as const;
