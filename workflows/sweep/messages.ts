import { defineSignal } from '@temporalio/workflow';
import type { ProactiveContactRequest } from '../../common/sweep/schema';

/** Sent by a proactive sweep to each matching journey; the journey turns it into planned contacts. */
export const proactiveContactSignal = defineSignal<[ProactiveContactRequest]>('proactiveContact');
