import { MAX_LISTED, type CustomerContext } from '../../common/staff/customer-context';
import { openImplicitPromises } from './implicit-promises';
import { openCaseCount, type JourneyState } from './state';

/** What a colleague handed a task should know about the customer (pure: from the journey's state). */
export function customerContext(state: JourneyState): CustomerContext {
  const openOrders = Object.values(state.orders)
    .filter((order) => order.stage === 'purchase' || order.stage === 'receive')
    .sort((a, b) => (a.placedAt ?? '').localeCompare(b.placedAt ?? ''))
    .slice(-MAX_LISTED)
    .map((order) => ({
      orderId: order.orderId,
      status: order.status,
      ...(order.estimatedDeliveryAt || order.promisedDeliveryAt
        ? { dueAt: order.estimatedDeliveryAt ?? order.promisedDeliveryAt }
        : {}),
    }));
  const openCases = Object.values(state.cases)
    .filter((item) => item.status === 'open')
    .slice(-MAX_LISTED)
    .map((item) => ({
      caseId: item.caseId,
      severity: item.severity,
      ...(item.summary ? { summary: item.summary } : {}),
    }));
  const promises = new Set([...state.promises.open, ...openImplicitPromises(state.implicitPromises)]);
  return {
    ...(state.profile.name ? { name: state.profile.name } : {}),
    stage: state.stage,
    ordersPlaced: state.counters.ordersPlaced,
    openOrders,
    openCases: openCaseCount(state) > 0 ? openCases : [],
    openPromises: promises.size,
  };
}
