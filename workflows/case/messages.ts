import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CaseEvent, CaseState } from './case-state';

/** The journey forwards each event of the case (already validated and deduplicated). */
export const caseEventSignal = defineSignal<[CaseEvent]>('caseEvent');
export const caseStateQuery = defineQuery<CaseState>('caseState');
