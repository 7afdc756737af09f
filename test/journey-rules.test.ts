import { parseLifecycleEvent, type LifecycleEventInput } from '../common/events';
import { applyEvent, initialJourneyState, type JourneyState } from '../workflows/journey/state';
import { journeySummary } from '../workflows/journey/summary';

/** Pure tests of the journey's rules: no server needed for the arithmetic of stages. */
let sequence = 0;
function event(type: string, at: string, fields: Record<string, unknown> = {}): LifecycleEventInput {
  sequence += 1;
  return {
    type,
    eventId: `e-${sequence}`,
    brand: 'acme',
    customerId: 'c-1',
    occurredAt: at,
    ...fields,
  } as LifecycleEventInput;
}
function apply(state: JourneyState, input: LifecycleEventInput) {
  return applyEvent(state, parseLifecycleEvent(input)).result;
}
const item = { sku: 'kettle', name: 'Kettle', category: 'kitchen', price: 40 };

describe('journey stage rules', () => {
  it('walks research → compare → purchase → receive → use → repair → repurchase', () => {
    const state = initialJourneyState('acme', 'c-1', '2026-01-01T00:00:00.000Z');
    const stages = [
      apply(state, event('product.viewed', '2026-01-02T10:00:00Z', { sku: 'kettle' })).stage,
      apply(state, event('products.compared', '2026-01-03T10:00:00Z', { skus: ['kettle', 'pot'] })).stage,
      apply(state, event('order.placed', '2026-01-04T10:00:00Z', { orderId: 'o-1', items: [item] })).stage,
      apply(state, event('shipment.dispatched', '2026-01-05T10:00:00Z', { orderId: 'o-1' })).stage,
      apply(state, event('shipment.delivered', '2026-01-06T10:00:00Z', { orderId: 'o-1' })).stage,
      apply(
        state,
        event('issue.reported', '2026-02-01T10:00:00Z', { caseId: 'k-1', category: 'heating', summary: 'cold' }),
      ).stage,
      apply(
        state,
        event('case.resolved', '2026-02-02T10:00:00Z', { caseId: 'k-1', outcome: 'resolved', rootCause: 'fuse' }),
      ).stage,
      apply(
        state,
        event('warranty.expiring', '2027-01-01T10:00:00Z', { sku: 'kettle', endsAt: '2027-02-01T00:00:00Z' }),
      ).stage,
      apply(state, event('order.placed', '2027-01-10T10:00:00Z', { orderId: 'o-2', items: [item] })).stage,
    ];
    expect(stages).toEqual([
      'research',
      'compare',
      'purchase',
      'receive',
      'use',
      'repair',
      'use',
      'repurchase',
      'purchase',
    ]);
    expect(state.stageHistory.map((change) => change.stage)).toEqual([
      'research',
      'compare',
      'purchase',
      'receive',
      'use',
      'repair',
      'use',
      'repurchase',
      'purchase',
    ]);
    expect(state.stageHistory[5]).toMatchObject({
      enteredAt: '2026-02-01T10:00:00.000Z',
      leftAt: '2026-02-02T10:00:00.000Z',
    });
  });

  it('takes the most pressing stage: repairing one product while another is on its way', () => {
    const state = initialJourneyState('acme', 'c-1', '2026-01-01T00:00:00.000Z');
    apply(state, event('order.placed', '2026-01-04T10:00:00Z', { orderId: 'o-1', items: [item] }));
    apply(state, event('shipment.delivered', '2026-01-06T10:00:00Z', { orderId: 'o-1' }));
    apply(state, event('order.placed', '2026-01-07T10:00:00Z', { orderId: 'o-2', items: [item] }));
    apply(state, event('shipment.dispatched', '2026-01-08T10:00:00Z', { orderId: 'o-2' }));
    expect(state.stage).toBe('receive');
    apply(
      state,
      event('issue.reported', '2026-01-09T10:00:00Z', { caseId: 'k-1', orderId: 'o-1', category: 'lid', summary: 'x' }),
    );
    expect(state.stage).toBe('repair');
    expect(state.orders['o-1']!.stage).toBe('use');
    expect(state.orders['o-2']!.stage).toBe('receive');
    apply(
      state,
      event('case.resolved', '2026-01-10T10:00:00Z', { caseId: 'k-1', outcome: 'resolved', rootCause: 'lid' }),
    );
    expect(state.stage).toBe('receive');
  });

  it('orders out-of-order events by occurredAt: delivered before dispatched ends delivered', () => {
    const state = initialJourneyState('acme', 'c-1', '2026-01-01T00:00:00.000Z');
    apply(
      state,
      event('order.placed', '2026-01-04T10:00:00Z', {
        orderId: 'o-1',
        items: [item],
        promisedDeliveryAt: '2026-01-07T18:00:00Z',
      }),
    );
    apply(state, event('shipment.delivered', '2026-01-06T10:00:00Z', { orderId: 'o-1' }));
    apply(state, event('shipment.dispatched', '2026-01-05T10:00:00Z', { orderId: 'o-1' }));
    const order = state.orders['o-1']!;
    expect(order.status).toBe('delivered');
    expect(order.events.map((known) => known.type)).toEqual([
      'order.placed',
      'shipment.dispatched',
      'shipment.delivered',
    ]);
    expect(state.stage).toBe('use');
  });

  it('applies a duplicate event id once', () => {
    const state = initialJourneyState('acme', 'c-1', '2026-01-01T00:00:00.000Z');
    const placed = event('order.placed', '2026-01-04T10:00:00Z', { orderId: 'o-1', items: [item] });
    expect(apply(state, placed)).toMatchObject({ applied: true, duplicate: false });
    expect(apply(state, placed)).toMatchObject({ applied: false, duplicate: true });
    expect(state.counters).toMatchObject({ eventsApplied: 1, ordersPlaced: 1, duplicatesIgnored: 1 });
  });

  it('records case outcome, root cause and satisfaction, and reopening', () => {
    const state = initialJourneyState('acme', 'c-1', '2026-01-01T00:00:00.000Z');
    apply(
      state,
      event('issue.reported', '2026-01-09T10:00:00Z', {
        caseId: 'k-1',
        severity: 'high',
        category: 'leak',
        summary: 'x',
      }),
    );
    apply(
      state,
      event('case.resolved', '2026-01-10T10:00:00Z', { caseId: 'k-1', outcome: 'resolved', rootCause: 'seal' }),
    );
    apply(state, event('survey.answered', '2026-01-11T10:00:00Z', { caseId: 'k-1', score: 4 }));
    expect(state.cases['k-1']).toMatchObject({ status: 'resolved', resolved: true, satisfactionScore: 4 });
    apply(state, event('case.reopened', '2026-01-20T10:00:00Z', { caseId: 'k-1', reason: 'leaks again' }));
    expect(state.cases['k-1']).toMatchObject({ status: 'open', resolved: false, reopenCount: 1 });
    expect(state.stage).toBe('repair');
  });

  it('summarises a late order in plain language', () => {
    const state = initialJourneyState('acme', 'c-123', '2026-01-01T00:00:00.000Z');
    apply(
      state,
      event('order.placed', '2026-01-04T10:00:00Z', {
        orderId: 'o-9',
        items: [item],
        promisedDeliveryAt: '2026-01-07T18:00:00Z',
      }),
    );
    apply(state, event('shipment.dispatched', '2026-01-05T10:00:00Z', { orderId: 'o-9' }));
    apply(
      state,
      event('shipment.delayed', '2026-01-06T10:00:00Z', {
        orderId: 'o-9',
        newEstimatedDeliveryAt: '2026-01-09T18:00:00Z',
      }),
    );
    expect(journeySummary(state)).toBe('Journey of c-123 at acme — stage: receive; order o-9 running 2 days late');
  });

  it('predicts replenishment from the expected use duration and warranty ends', () => {
    const state = initialJourneyState('acme', 'c-1', '2026-01-01T00:00:00.000Z');
    const capsules = { sku: 'caps', name: 'Capsules', category: 'coffee', price: 5, quantity: 2, expectedUseDays: 15 };
    const machine = { ...item, sku: 'machine', warrantyEndsAt: '2028-01-04T00:00:00Z' };
    apply(state, event('order.placed', '2026-01-04T10:00:00Z', { orderId: 'o-1', items: [capsules, machine] }));
    apply(state, event('shipment.delivered', '2026-01-06T10:00:00Z', { orderId: 'o-1' }));
    expect(state.predictedNeeds).toEqual([
      expect.objectContaining({ kind: 'replenish', sku: 'caps', at: '2026-02-05T10:00:00.000Z' }),
      expect.objectContaining({ kind: 'warranty-ending', sku: 'machine', at: '2028-01-04T00:00:00.000Z' }),
    ]);
  });
});
