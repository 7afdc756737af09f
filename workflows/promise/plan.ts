import { Duration } from 'luxon';
import { addBusinessDuration, businessFractionsOf } from '../../common/business-time';
import type { Due, PromiseProfile, PromiseState } from '../../common/promises/schema';

/**
 * The enforcement plan of a promise: which step happens at which instant, derived from the
 * current window (creation or last renegotiation → due time) and the brand's profile. Pure,
 * so the workflow recomputes it after every change and tests can check it directly.
 */
export type StepAction =
  'remind' | 'at-risk' | 'at-risk-escalation' | 'customer-notice' | 'breach' | 'apology' | 'escalate' | 'close';

export interface PlannedStep {
  /** Unique per promise; also the idempotency-key suffix of its message. */
  step: string;
  at: number;
  action: StepAction;
  /** For 'remind' and 'escalate': which reminder / escalation level (0-based). */
  index: number;
}

/** The absolute due instant of a `due` given at `from` (business time for `within`). */
export function resolveDueAt(due: Due, from: number, profile: Pick<PromiseProfile, 'businessHours'>): number {
  if ('at' in due) return Date.parse(due.at);
  return addBusinessDuration(from, due.within, profile.businessHours);
}

/** Window 1 keeps plain step names (`reminder-1`); a renegotiated window n is prefixed `due-n/`. */
export function windowPrefix(renegotiations: number): string {
  return renegotiations === 0 ? '' : `due-${renegotiations + 1}/`;
}

export interface PlanOptions {
  /**
   * Compare the escalation chain's first party with whoever actually reads the owner's
   * reminders (the chain's first party itself for a system or bot owner), so nobody gets the
   * at-risk mail twice. Off only for promises whose history predates the fix (see patched()).
   */
  atRiskByRecipient?: boolean;
}

export function planSteps(
  state: Pick<PromiseState, 'windowStartedAt' | 'dueAt' | 'renegotiations' | 'owner'>,
  profile: PromiseProfile,
  lateFulfilmentWindow: string,
  options: PlanOptions = {},
): PlannedStep[] {
  const start = Date.parse(state.windowStartedAt);
  const due = Date.parse(state.dueAt);
  const hours = profile.businessHours;
  const prefix = windowPrefix(state.renegotiations);
  const fraction = businessFractionsOf(start, due, hours);
  const steps: PlannedStep[] = profile.promises.remindAt.map((f, index) => ({
    step: `${prefix}reminder-${index + 1}`,
    at: fraction(f),
    action: 'remind',
    index,
  }));
  const atRiskAt = fraction(profile.promises.atRiskAt);
  steps.push({ step: `${prefix}at-risk`, at: atRiskAt, action: 'at-risk', index: 0 });
  const ownerHears = options.atRiskByRecipient ? staffRecipient(state.owner, profile) : state.owner;
  if (!sameParty(profile.escalation[0]!.notify, ownerHears)) {
    steps.push({ step: `${prefix}at-risk-escalation`, at: atRiskAt, action: 'at-risk-escalation', index: 0 });
  }
  if (profile.promises.customerNoticeAt !== null) {
    const at = fraction(profile.promises.customerNoticeAt);
    steps.push({ step: `${prefix}customer-notice`, at, action: 'customer-notice', index: 0 });
  }
  steps.push({ step: `${prefix}breach`, at: due, action: 'breach', index: 0 });
  steps.push({ step: `${prefix}apology`, at: due, action: 'apology', index: 0 });
  profile.escalation.forEach((level, index) => {
    const at = addBusinessDuration(due, level.after, hours);
    steps.push({ step: `${prefix}escalation-${index + 1}`, at, action: 'escalate', index });
  });
  const lastEscalation = Math.max(...steps.map((s) => s.at));
  const closeAt = Math.max(lastEscalation, due + Duration.fromISO(lateFulfilmentWindow).toMillis());
  steps.push({ step: `${prefix}close`, at: closeAt, action: 'close', index: 0 });
  // Stable sort: equal instants keep the order above (reminder before at-risk, breach before apology).
  return steps.sort((a, b) => a.at - b.at);
}

/** The first planned step not yet done. */
export function nextStep(steps: PlannedStep[], done: readonly string[]): PlannedStep | undefined {
  return steps.find((step) => !done.includes(step.step));
}

export type StaffParty = { kind: 'person' | 'team'; id: string };

/** Bots and the system read no reminders: the first in the escalation chain hears for them. */
export function staffRecipient(owner: PromiseState['owner'], profile: Pick<PromiseProfile, 'escalation'>): StaffParty {
  if (owner.kind === 'person' || owner.kind === 'team') return { kind: owner.kind, id: owner.id };
  return profile.escalation[0]!.notify;
}

function sameParty(party: { kind: string; id: string }, owner: { kind: string; id: string }): boolean {
  return party.kind === owner.kind && party.id === owner.id;
}
