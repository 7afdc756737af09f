import type { LifecycleStage } from '../../common/events';
import type { CaseState } from '../case/case-state';
import type { OrderState } from '../order/order-state';

/** The latest event of a calm stage, i.e. one that no open order or case is driving. */
export interface CalmSignal {
  stage: 'research' | 'compare' | 'use' | 'repurchase';
  at: string;
  reason: string;
}

interface StageInputs {
  orders: Record<string, OrderState>;
  cases: Record<string, CaseState>;
  lastCalmSignal?: CalmSignal;
}

/**
 * The journey's stage is the most pressing one among the customer's orders and cases.
 * A customer can be using one product while repairing another; the stage says what needs
 * attention first. The rules, in order:
 *
 *  1. **repair**   — a service case is open, or a return was requested and is not completed;
 *  2. **receive**  — an order is on its way (dispatched, delayed, or a delivery attempt failed);
 *  3. **purchase** — an order is placed (or its payment failed) and not yet dispatched;
 *  4. otherwise the stage of the customer's most recent calm activity, where a delivery counts
 *     as **use**: **research** (viewed, asked), **compare** (compared, quote), **use**
 *     (delivered, activated, usage), **repurchase** (warranty expiring, renewal);
 *  5. **research** for a customer we know nothing else about.
 */
export function journeyStage(inputs: StageInputs): { stage: LifecycleStage; why: string } {
  const orders = Object.values(inputs.orders);
  const openCase = Object.values(inputs.cases).find((item) => item.status === 'open');
  if (openCase) return { stage: 'repair', why: `case ${openCase.caseId} is open` };
  const returning = orders.find((order) => order.stage === 'repair');
  if (returning) return { stage: 'repair', why: `return of order ${returning.orderId} requested` };
  const inTransit = orders.find((order) => order.stage === 'receive');
  if (inTransit) return { stage: 'receive', why: `order ${inTransit.orderId} is ${inTransit.status}` };
  const placed = orders.find((order) => order.stage === 'purchase');
  if (placed) return { stage: 'purchase', why: `order ${placed.orderId} is ${placed.status}` };
  const calm = latestCalmSignal(inputs.lastCalmSignal, orders);
  if (calm) return { stage: calm.stage, why: calm.reason };
  return { stage: 'research', why: 'nothing else known yet' };
}

function latestCalmSignal(signal: CalmSignal | undefined, orders: OrderState[]): CalmSignal | undefined {
  const delivered = orders
    .filter((order) => order.stage === 'use' && order.deliveredAt)
    .map((order): CalmSignal => ({ stage: 'use', at: order.deliveredAt!, reason: `order ${order.orderId} delivered` }));
  return [...(signal ? [signal] : []), ...delivered].reduce<CalmSignal | undefined>(
    (latest, candidate) => (!latest || candidate.at > latest.at ? candidate : latest),
    undefined,
  );
}
