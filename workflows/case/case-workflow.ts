import { condition, patched, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import {
  KeptBrand,
  KeptCaseId,
  KeptCustomerId,
  KeptFlags,
  KeptKind,
  KeptOrderId,
  KeptOwner,
  KeptStage,
  KeptStatus,
  KeptTeam,
} from '../../common/search-attributes';
import { caseEventSignal, caseStateQuery } from './messages';
import {
  CASE_EVENT_WINDOW,
  addCaseEvent,
  foldCase,
  type CaseEvent,
  type CaseMilestones,
  type CaseState,
} from './case-state';

export interface ServiceCaseInput {
  brand: string;
  customerId: string;
  caseId: string;
  journeyWorkflowId: string;
  /** Events known when the case journey (re)starts, e.g. when a closed case is reopened. */
  events: CaseEvent[];
  /** Milestones of events older than `events` (the previous run's `folded`), when it restarts. */
  folded?: CaseMilestones;
  /** How long a resolved case waits for a survey answer or a reopening before its journey ends. */
  settleAfterResolutionMs?: number;
}

const DEFAULT_SETTLE_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * One service case (the repair stage): opened, updated, resolved with an outcome and a
 * root cause, possibly reopened; it records the two measures that matter most — was it
 * resolved, and how the customer rated the experience.
 */
export async function serviceCase(input: ServiceCaseInput): Promise<CaseState> {
  // Runs started before the event window existed keep every event, so they replay as recorded.
  const fold = patched('bounded-case-window') ? { window: CASE_EVENT_WINDOW } : {};
  let state = foldCase(input.caseId, input.events, input.folded, fold);
  let version = 0;
  setHandler(caseStateQuery, () => state);
  setHandler(caseEventSignal, (event) => {
    state = addCaseEvent(state, event, fold);
    version += 1;
    publish(input, state);
  });
  publish(input, state);

  const settleMs = input.settleAfterResolutionMs ?? DEFAULT_SETTLE_MS;
  for (;;) {
    const seen = version;
    if (state.status === 'open') {
      await condition(() => version !== seen);
      continue;
    }
    const settled = !(await condition(() => version !== seen, settleMs, {
      summary: 'resolved; waiting for survey or reopening',
    }));
    if (settled) break;
  }

  return state;
}

function publish(input: ServiceCaseInput, state: CaseState): void {
  const flags = [`severity-${state.severity}`, ...(state.reopenCount > 0 ? ['reopened'] : [])];
  if (state.resolution) flags.push(`outcome-${state.resolution.outcome}`);
  upsertSearchAttributes([
    { key: KeptBrand, value: input.brand },
    { key: KeptCustomerId, value: input.customerId },
    { key: KeptKind, value: 'case' },
    { key: KeptCaseId, value: input.caseId },
    { key: KeptOrderId, value: state.orderId ?? null },
    { key: KeptStage, value: 'repair' },
    { key: KeptStatus, value: state.status },
    { key: KeptOwner, value: state.owner?.id ?? null },
    { key: KeptTeam, value: state.owner?.kind === 'team' ? state.owner.id : (state.owner?.team ?? null) },
    { key: KeptFlags, value: flags },
  ]);
  const measures = state.resolution
    ? ` — ${state.resolution.outcome}, root cause ${state.resolution.rootCause}${state.satisfactionScore ? `, rated ${state.satisfactionScore}/5` : ''}`
    : '';
  setCurrentDetails(
    `Case ${input.caseId} of ${input.customerId} (${state.severity}, ${state.category ?? 'uncategorised'}): ${state.status}${measures}`,
  );
}
