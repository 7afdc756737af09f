import { businessDaysAfter, type Instant } from '../business-time';
import type { BusinessHours, ServiceProfile } from '../profiles/schema';

/**
 * Capacity arithmetic: "don't take on more than you can handle". Pure, so it is tested on its
 * own; the client looks up the open promises (Temporal visibility) and calls it.
 *
 * The model, in business days counted from now (day j ends at `now + PjD` in business time):
 * a ledger (one person, or a whole team) can keep at most `perDay × j` promises due by the end
 * of day j. A new promise due in day k fits when, for every day j ≥ k, the promises already due
 * by day j plus this one stay within `perDay × j` (earliest-deadline-first feasibility: adding
 * a promise also loads every later day). Overdue open promises count as due in day 1.
 */
export interface Ledger {
  /** Who, in plain words: "camille", "team client-advisors". */
  label: string;
  /** Promises this ledger keeps per business day. */
  perDay: number;
  /** Due instants of its open promises. */
  openDueAts: Instant[];
}

export interface CapacityRequest {
  now: Instant;
  hours: BusinessHours;
  ledgers: Ledger[];
  requestedDueAt?: Instant;
}

export interface CapacityAnswer {
  /** The requested due time would exceed a ledger's capacity. */
  overCommitted: boolean;
  /** Earliest due time every ledger can keep (no earlier than the requested one). */
  proposedDueAt: Instant;
  note: string;
}

/** Day boundaries, computed on demand: checkpoint(j) = now + j business days. */
class BusinessDays {
  private readonly end: (day: number) => Instant;
  constructor(now: Instant, hours: BusinessHours) {
    this.end = businessDaysAfter(now, hours);
  }

  /** The end of business day `day` (1-based). */
  endOf(day: number): Instant {
    return this.end(day);
  }

  /** The business day (1-based) an instant falls in. */
  dayOf(instant: Instant): number {
    let day = 1;
    while (instant > this.end(day)) day++;
    return day;
  }
}

const MAX_DAYS = 400;

export function checkCapacity(request: CapacityRequest): CapacityAnswer {
  const days = new BusinessDays(request.now, request.hours);
  const loads = request.ledgers.map((ledger) => ({ ledger, dueDays: ledger.openDueAts.map((at) => days.dayOf(at)) }));
  const fits = (day: number): boolean => loads.every(({ ledger, dueDays }) => fitsLedger(ledger, dueDays, day));
  const requestedDay = request.requestedDueAt === undefined ? 1 : days.dayOf(request.requestedDueAt);
  let day = requestedDay;
  while (!fits(day)) {
    if (++day > MAX_DAYS) throw new Error(`no capacity within ${MAX_DAYS} business days`);
  }
  const overCommitted = request.requestedDueAt !== undefined && day > requestedDay;
  const proposedDueAt =
    day === requestedDay && request.requestedDueAt !== undefined ? request.requestedDueAt : days.endOf(day);
  return { overCommitted, proposedDueAt, note: describeLoad(loads, requestedDay, day) };
}

function fitsLedger(ledger: Ledger, dueDays: number[], day: number): boolean {
  const horizon = Math.max(day, ...dueDays);
  for (let j = day; j <= horizon; j++) {
    const dueByJ = dueDays.filter((d) => d <= j).length;
    if (dueByJ + 1 > ledger.perDay * j) return false;
  }
  return true;
}

function describeLoad(loads: { ledger: Ledger; dueDays: number[] }[], requestedDay: number, day: number): string {
  const parts = loads.map(({ ledger, dueDays }) => {
    const due = dueDays.filter((d) => d <= requestedDay).length;
    return `${ledger.label}: ${due} open due within ${requestedDay} business day(s), capacity ${ledger.perDay}/day`;
  });
  const verdict = day === requestedDay ? 'fits' : `earliest that fits is within ${day} business day(s)`;
  return `${parts.join('; ') || 'no capacity limit'}; ${verdict}`.slice(0, 500);
}

/** The owner's team and per-person capacity from the profile (team from owner.team or membership). */
export function ownerCapacity(
  owner: { kind: string; id: string; team?: string | undefined },
  capacity: ServiceProfile['capacity'],
): { team?: { id: string; perDay: number }; personPerDay?: number } {
  const teamId = owner.kind === 'team' ? owner.id : owner.team;
  const team =
    capacity.teams.find((t) => t.id === teamId) ??
    (owner.kind === 'person' ? capacity.teams.find((t) => t.members.includes(owner.id)) : undefined);
  if (!team) return {};
  return {
    team: { id: team.id, perDay: team.promisesPerPersonPerDay * team.members.length },
    ...(owner.kind === 'person' ? { personPerDay: team.promisesPerPersonPerDay } : {}),
  };
}
