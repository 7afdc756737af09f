import { defineSignal } from '@temporalio/workflow';
import type { StaffDigestItem } from '../../common/staff/digest';

/** Importable by activities and clients without pulling in workflow code. */
export const staffDigestItemSignal = defineSignal<[StaffDigestItem]>('staffDigestItem');
export const staffDigestWithdrawSignal = defineSignal<[{ promiseId: string }]>('staffDigestWithdraw');
