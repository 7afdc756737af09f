import { z } from 'zod';
import { brandIdSchema } from '../events';
import { serializedSketchSchema } from './transit-sketch';

/**
 * What a journey exchanges with its brand's statistics (activities/anticipation): the
 * deliveries and re-orders it saw, and the learned sketches it needs. Pure schemas (zod
 * only): the journey workflow imports them.
 *
 * Scopes: transit times are learned brand-wide (`*`) and per carrier, destination region and
 * service level when `shipment.dispatched` carries them (and for the combination of those it
 * carries). A journey asks for the most specific scope first and falls back, scope by scope,
 * to brand-wide when a scope has too few samples. Re-order intervals are learned per sku.
 */
export const TRANSIT_METRIC = 'transit';
export const REORDER_METRIC = 'reorder';
export const BRAND_WIDE = '*';

export interface ShippingScope {
  carrier?: string;
  region?: string;
  serviceLevel?: string;
}

const part = (name: string, value: string | undefined): string[] =>
  value === undefined ? [] : [`${name}=${value.trim().toLowerCase()}`];

/** The scopes of a parcel, most specific first, brand-wide last. */
export function transitScopes(shipping: ShippingScope = {}): string[] {
  const parts = [
    ...part('region', shipping.region),
    ...part('carrier', shipping.carrier),
    ...part('service', shipping.serviceLevel),
  ];
  const combined = parts.length > 1 ? [parts.join('|')] : [];
  return [...combined, ...parts, BRAND_WIDE];
}

export const skuScope = (sku: string): string => `sku=${sku}`;

/** Whose parcels a transit sketch describes, in the customer's words. */
export function scopeInWords(scope: string | undefined): string {
  if (!scope || scope === BRAND_WIDE) return 'our parcels';
  if (scope.includes('|')) return 'parcels like yours';
  if (scope.startsWith('region=')) return 'parcels to your region';
  if (scope.startsWith('carrier=')) return `parcels with ${scope.slice('carrier='.length)}`;
  if (scope.startsWith('service=')) return `${scope.slice('service='.length)} parcels`;
  return 'our parcels';
}

const scopeSchema = z.string().min(1).max(400);
const metricSchema = z.enum([TRANSIT_METRIC, REORDER_METRIC]);

export const statisticsObservationSchema = z
  .object({
    metric: metricSchema,
    key: z.string().min(1).max(300),
    scopes: z.array(scopeSchema).min(1).max(8),
    durationMs: z.number().finite(),
  })
  .strict();
export type StatisticsObservationInput = z.infer<typeof statisticsObservationSchema>;

export const statisticsReadSchema = z
  .object({
    /** The caller's id for the answer (an order id, a sku). */
    id: z.string().min(1).max(300),
    metric: metricSchema,
    /** Most specific first. */
    scopes: z.array(scopeSchema).min(1).max(8),
  })
  .strict();
export type StatisticsRead = z.infer<typeof statisticsReadSchema>;

export const statisticsExchangeSchema = z
  .object({
    brand: brandIdSchema,
    observations: z.array(statisticsObservationSchema).max(500),
    reads: z.array(statisticsReadSchema).max(200),
    /** A scope is used when it has at least this many samples (else the next, broader one). */
    minSamples: z.number().int().positive(),
  })
  .strict();
export type StatisticsExchange = z.infer<typeof statisticsExchangeSchema>;

export const learnedSketchSchema = z
  .object({
    id: z.string().min(1).max(300),
    /** The scope the sketch is of; absent when nothing was learned for any scope asked. */
    scope: scopeSchema.optional(),
    sketch: serializedSketchSchema.optional(),
    samples: z.number().int().nonnegative(),
  })
  .strict();
export type LearnedSketch = z.infer<typeof learnedSketchSchema>;

/**
 * An outlook the sender of an event read for the journey (generation 8,
 * client/outlook-announcer.ts): the read it answers, the threshold it chose with, and the
 * answer, as the journey's own exchange would have got them. The journey takes it only when
 * the read is the one it would make; else it reads as before.
 */
export const carriedOutlookSchema = z
  .object({
    read: statisticsReadSchema,
    minSamples: z.number().int().positive(),
    learned: learnedSketchSchema,
  })
  .strict()
  .refine((outlook) => outlook.learned.id === outlook.read.id, 'learned.id must be read.id');
export type CarriedOutlook = z.infer<typeof carriedOutlookSchema>;

/** At most this many per event or batch: the rest are read by the journey's own exchange. */
export const MAX_CARRIED_OUTLOOKS = 20;

export interface StatisticsAnswer {
  /** Observations new to the store (the rest were seen before). */
  recorded: number;
  learned: LearnedSketch[];
}
