import type { PromiseOutcome } from '../../common/promises/schema';
import { formatInZone } from '../../workflows/journey/operator-view';

/**
 * How a promise ended, in words whose label agrees with the times shown. A promise that
 * breached, was renegotiated and then kept by its new due time is "kept-late" (it did breach),
 * so the line says both: when it breached and that it was kept by the renegotiated time.
 */
export function describeOutcome(outcome: PromiseOutcome, zone: string): string {
  const at = (instant: string) => formatInZone(instant, zone);
  const due = `due ${at(outcome.dueAt)}`;
  const ended = `ended ${at(outcome.endedAt)}`;
  const firstDue = `first due ${at(outcome.originalDueAt)}`;
  const keptByNewDue = outcome.renegotiations > 0 && outcome.slackMs >= 0;
  switch (outcome.outcome) {
    case 'kept-late':
      if (keptByNewDue)
        return (
          `kept-late: breached${outcome.breach ? ` at ${at(outcome.breach.at)}` : ''} (${firstDue}), ` +
          `then kept after renegotiation (renegotiated ${due}, ${ended})`
        );
      return `kept-late (${due}, ${ended}, ${minutes(-outcome.slackMs)} late)`;
    case 'renegotiated':
      return `kept after renegotiation (${firstDue}, renegotiated ${due}, ${ended})`;
    default:
      return `${outcome.outcome} (${due}, ${ended})`;
  }
}

function minutes(ms: number): string {
  const total = Math.max(0, Math.round(ms / 60_000));
  return total >= 120 ? `${Math.round(total / 60)} h` : `${total} min`;
}
