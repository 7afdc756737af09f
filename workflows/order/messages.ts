import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OrderEvent, OrderState } from './order-state';

/** The journey forwards each event of the order (already validated and deduplicated). */
export const orderEventSignal = defineSignal<[OrderEvent]>('orderEvent');
export const orderStateQuery = defineQuery<OrderState>('orderState');
