import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  KeptBrand,
  KeptCustomerId,
  KeptFlags,
  KeptKind,
  KeptNextDueAt,
  KeptOrderId,
  KeptStage,
  KeptStatus,
} from '../../common/search-attributes';
import type { OrderState } from './order-state';

/**
 * What an operator finds an order by in the Temporal UI. Pure: the order workflow publishes it,
 * and the forwarding activity starts a new order workflow with it, so its first task writes none.
 */
export function orderAttributes(state: OrderState, overdue: boolean) {
  const flags = [
    ...(state.lateByMs > 0 || (overdue && !state.deliveredAt) ? ['late'] : []),
    ...(state.paymentFailed ? ['payment-failed'] : []),
  ];
  const due = state.deliveredAt ? undefined : (state.estimatedDeliveryAt ?? state.promisedDeliveryAt);
  return { stage: state.stage, status: state.status, flags, due };
}

export function orderAttributePairs(
  order: { brand: string; customerId: string; orderId: string },
  attributes: ReturnType<typeof orderAttributes>,
): SearchAttributeUpdatePair[] {
  const { stage, status, flags, due } = attributes;
  return [
    { key: KeptBrand, value: order.brand },
    { key: KeptCustomerId, value: order.customerId },
    { key: KeptKind, value: 'order' },
    { key: KeptOrderId, value: order.orderId },
    { key: KeptStage, value: stage },
    { key: KeptStatus, value: status },
    { key: KeptFlags, value: flags },
    { key: KeptNextDueAt, value: due ? new Date(due) : null },
  ];
}
