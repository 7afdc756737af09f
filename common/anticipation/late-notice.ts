import { DateTime, Duration } from 'luxon';
import type { OrderState } from '../../workflows/order/order-state';
import type { PlanningPlaybook } from '../playbooks/schema';
import { isKnownTimeZone } from '../events';
import {
  blendedTransitModel,
  conditionalLateRisk,
  crossingInstant,
  expectedArrival,
  transitModel,
  typicalTransitDays,
  type TransitClock,
  type TransitModel,
} from './conditional-risk';
import { scopeInWords } from './statistics-contract';
import { parseSketch } from './transit-sketch';

/**
 * When to warn a customer that a parcel will probably miss its promised date, from the
 * brand's learned transit times. Pure and deterministic (the journey workflow calls it).
 *
 * For each dispatched, undelivered order with a promised date, the journey keeps an
 * OUTLOOK: the brand's transit sketch for the parcel's scope, read when the order's latest
 * event arrived (recorded in history), and the instant chosen from it:
 *   notice = min(first instant the conditional risk reaches the threshold, promise − minLead),
 * moved EARLIER when it falls in the customer's quiet hours and those would end after the
 * promise (quiet hours never push a warning past the date it warns about).
 * The playbook anchored on `predicted.lateRiskAt` fires then, unless the parcel arrived
 * (exit goal) or the carrier reported a delay (its own message, at once: the carrier wins).
 */
export const LATE_RISK_ANCHOR = 'predicted.lateRiskAt';
export const DEFAULT_LATE_RISK_THRESHOLD = 0.5;
export const DEFAULT_MIN_LEAD = 'PT12H';
const DAY_MS = 86_400_000;

export interface LateRiskOutlook {
  /** The scope the sketch describes (`*`, `region=north`, ...); absent when nothing was learned yet. */
  scope?: string;
  /** The serialized sketch (absent: the default distribution). */
  sketch?: string;
  /** Observations behind the sketch. */
  samples: number;
  /**
   * 'antic2' (outlooks read under patch `antic2-late-notice-plan`): the sketch is read with the
   * default distribution as a prior (`blendedTransitModel`), and a notice that falls in quiet
   * hours is moved to just before them. Absent (outlooks recorded before): the default until
   * 20 samples, and quiet hours defer the notice unless they end after the promise.
   */
  planning?: 'antic2';
  /** The order's dispatch and promise the notice was planned for. */
  dispatchedAt: string;
  promisedAt: string;
  /** When to notify if nothing arrives (set by `scheduleLateNotice`). */
  noticeAt?: string;
  by?: 'risk' | 'min-lead' | 'quiet-hours';
}

export interface NoticeSettingsInput {
  threshold: number;
  minLead: string;
}

/** The brand's threshold and minimum lead: the conditions of its playbook on the crossing anchor, or the defaults. */
export function lateNoticeSettings(playbooks: readonly PlanningPlaybook[]): NoticeSettingsInput {
  const playbook = playbooks
    .filter((candidate) => candidate.enabled && 'at' in candidate.trigger && candidate.trigger.at === LATE_RISK_ANCHOR)
    .sort((a, b) => a.id.localeCompare(b.id))[0];
  return {
    threshold: playbook?.conditions.minLateRisk ?? DEFAULT_LATE_RISK_THRESHOLD,
    minLead: playbook?.conditions.minLead ?? DEFAULT_MIN_LEAD,
  };
}

/** Whether an order is one a late-delivery notice can be about: dispatched, not delivered, promised, no later carrier ETA. */
export function awaitsDelivery(order: OrderState): boolean {
  if (!order.dispatchedAt || order.deliveredAt || !order.promisedDeliveryAt) return false;
  if (order.status !== 'dispatched') return false;
  return !(order.estimatedDeliveryAt && Date.parse(order.estimatedDeliveryAt) > Date.parse(order.promisedDeliveryAt));
}

export function modelOf(outlook: LateRiskOutlook): TransitModel {
  const learned = outlook.sketch ? parseSketch(outlook.sketch) : undefined;
  return outlook.planning === 'antic2' ? blendedTransitModel(learned) : transitModel(learned);
}

function clockOf(outlook: LateRiskOutlook): TransitClock {
  return { dispatchedAt: Date.parse(outlook.dispatchedAt), promisedAt: Date.parse(outlook.promisedAt) };
}

export interface QuietHours {
  zone: string;
  quietHours: { start: string; end: string };
}

/** Sets the outlook's notice instant from the brand's settings and the customer's quiet hours. */
export function scheduleLateNotice(
  outlook: LateRiskOutlook,
  settings: NoticeSettingsInput,
  quiet?: QuietHours,
): LateRiskOutlook {
  const minLeadMs = Duration.fromISO(settings.minLead).toMillis();
  const notice = crossingInstant(modelOf(outlook), clockOf(outlook), { threshold: settings.threshold, minLeadMs });
  if (!notice) {
    const { noticeAt: _at, by: _by, ...rest } = outlook;
    return rest;
  }
  // Under antic2 a notice never waits out the night: sent in the evening before, not the next
  // morning (measured: waiting cost about a tenth of a day of median lead, test/anticipation-offline).
  const deferrable = outlook.planning === 'antic2' ? -Infinity : Date.parse(outlook.promisedAt);
  const beforeQuiet = quiet ? beforeQuietHours(notice.at, deferrable, quiet) : undefined;
  const earlier =
    beforeQuiet !== undefined && outlook.planning === 'antic2'
      ? Math.max(beforeQuiet, Date.parse(outlook.dispatchedAt))
      : beforeQuiet;
  return earlier !== undefined
    ? { ...outlook, noticeAt: iso(earlier), by: 'quiet-hours' }
    : { ...outlook, noticeAt: iso(notice.at), by: notice.by };
}

/**
 * When `at` falls in quiet hours that end after the promise, the last minute before those
 * quiet hours began; otherwise undefined (the contact policy may defer it, harmlessly).
 */
export function beforeQuietHours(at: number, promisedAt: number, quiet: QuietHours): number | undefined {
  const zone = isKnownTimeZone(quiet.zone) ? quiet.zone : 'UTC';
  const local = DateTime.fromMillis(at, { zone });
  const [start, end] = [minutesOf(quiet.quietHours.start), minutesOf(quiet.quietHours.end)];
  if (start === end) return undefined;
  const minute = local.hour * 60 + local.minute;
  const crossesMidnight = start > end;
  const quietNow = crossesMidnight ? minute >= start || minute < end : minute >= start && minute < end;
  if (!quietNow) return undefined;
  const startedYesterday = crossesMidnight && minute < end;
  const startDay = startedYesterday ? local.startOf('day').minus({ days: 1 }) : local.startOf('day');
  const began = startDay.set({ hour: Math.floor(start / 60), minute: start % 60 });
  const ends = (crossesMidnight ? began.plus({ days: 1 }).startOf('day') : began.startOf('day')).set({
    hour: Math.floor(end / 60),
    minute: end % 60,
  });
  if (ends.toMillis() <= promisedAt) return undefined;
  return began.toMillis() - 60_000;
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

export interface LateRiskNow {
  /** P(arrives after the promise | not delivered by `now`). */
  risk: number;
  /** Our expected arrival, given it has not arrived by `now`. */
  expectedAt: string;
  /** In plain words, for the message. */
  basis: string;
}

/** The conditional risk and its basis at `now` (at least the notice instant: the message speaks of then). */
export function lateRiskAt(outlook: LateRiskOutlook, now: string): LateRiskNow {
  const model = modelOf(outlook);
  const clock = clockOf(outlook);
  const at = Math.max(Date.parse(now), outlook.noticeAt ? Date.parse(outlook.noticeAt) : 0);
  const typical = round1(typicalTransitDays(model));
  const leftDaysAgo = Math.max(0, Math.floor((at - clock.dispatchedAt) / DAY_MS));
  const left =
    leftDaysAgo === 0 ? 'yours left today' : `yours left ${leftDaysAgo} day${leftDaysAgo === 1 ? '' : 's'} ago`;
  const usual = model.learned
    ? `${scopeInWords(outlook.scope)} usually take ${typical} days`
    : `parcels usually take about ${typical} days`;
  return {
    risk: conditionalLateRisk(model, clock, at),
    expectedAt: iso(expectedArrival(model, clock, at)),
    basis: `${usual}; ${left}`,
  };
}

const iso = (ms: number): string => new Date(Math.round(ms)).toISOString();
const round1 = (value: number): string => String(Math.round(value * 10) / 10);
