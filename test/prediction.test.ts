import { parseLifecycleEvent, type LifecycleEventInput } from '../common/events';
import { predictDeliveryRisk, predictNeeds, predictReplenishment } from '../common/predictions';
import { applyEvent, initialJourneyState, type JourneyState } from '../workflows/journey/state';

/**
 * Predictions are pure. The replenishment tolerance stated in common/predictions.ts:
 * a customer who re-orders every C ± j days is predicted within ±j days of last + C, and
 * within ±2j days of the order they actually place next.
 */
const DAY = 24 * 3_600_000;
/** An event without its envelope ids (the helper adds them). */
type RawEvent = Record<string, unknown>;
const beans = { sku: 'beans', name: 'Espresso beans', category: 'coffee', price: 20 };

function journey(events: RawEvent[]): JourneyState {
  const state = initialJourneyState('nordhem', 'ada', '2026-01-01T00:00:00.000Z');
  events.forEach((event, index) =>
    applyEvent(
      state,
      parseLifecycleEvent({
        ...event,
        eventId: `e-${index}`,
        brand: 'nordhem',
        customerId: 'ada',
      } as LifecycleEventInput),
    ),
  );
  return state;
}

/** Deterministic pseudo-random numbers (a linear congruential generator), so the test is repeatable. */
function random(seed: number): () => number {
  let value = seed;
  return () => {
    value = (value * 1_664_525 + 1_013_904_223) % 2 ** 32;
    return value / 2 ** 32;
  };
}

function ordersAt(times: number[], quantity = 1): RawEvent[] {
  return times.map((at, index) => ({
    type: 'order.placed',
    occurredAt: new Date(at).toISOString(),
    orderId: `o-${index}`,
    items: [{ ...beans, quantity }],
  }));
}

describe('replenishment from the customer’s own purchase intervals', () => {
  it.each([14, 30, 60])('every %i ± 3 days: within ±3 days of the cadence, ±6 of the actual next order', (cadence) => {
    const next = random(cadence);
    let worstCadence = 0;
    let worstActual = 0;
    for (let customer = 0; customer < 200; customer += 1) {
      const times = [Date.parse('2026-01-05T09:00:00Z') + Math.floor(next() * 1000) * 3_600_000];
      const orders = 3 + Math.floor(next() * 4); // 3..6 orders known: 2..5 intervals
      for (let index = 0; index < orders; index += 1) {
        times.push(times[times.length - 1]! + (cadence + (next() * 6 - 3)) * DAY);
      }
      const actualNext = times.pop()!;
      const last = times[times.length - 1]!;
      const [need] = predictReplenishment(journey(ordersAt(times)));
      const predicted = Date.parse(need!.at);
      worstCadence = Math.max(worstCadence, Math.abs(predicted - (last + cadence * DAY)) / DAY);
      worstActual = Math.max(worstActual, Math.abs(predicted - actualNext) / DAY);
      expect(need).toMatchObject({ kind: 'replenish', sku: 'beans', method: 'own-intervals' });
    }
    expect(worstCadence).toBeLessThanOrEqual(3);
    expect(worstActual).toBeLessThanOrEqual(6);
    // the tolerance is not vacuous: the customers really do vary
    expect(worstActual).toBeGreaterThan(1);
  });

  it('one long gap (a holiday) does not move the prediction: the median interval', () => {
    const start = Date.parse('2026-01-05T09:00:00Z');
    const gaps = [0, 30, 30, 90, 30];
    const times = gaps.map((_, index) => start + gaps.slice(0, index + 1).reduce((a, b) => a + b, 0) * DAY);
    const [need] = predictReplenishment(journey(ordersAt(times)));
    expect(need!.at).toBe(new Date(times[times.length - 1]! + 30 * DAY).toISOString());
    expect(need!.basis).toBe('you have ordered Espresso beans 5 times, about every 30 days');
  });

  it('scales with the quantity: two bags last twice as long', () => {
    const start = Date.parse('2026-01-05T09:00:00Z');
    const state = journey([
      ...ordersAt([start, start + 30 * DAY, start + 60 * DAY]),
      {
        type: 'order.placed',
        occurredAt: new Date(start + 90 * DAY).toISOString(),
        orderId: 'o-big',
        items: [{ ...beans, quantity: 2 }],
      },
    ]);
    expect(predictReplenishment(state)[0]!.at).toBe(new Date(start + 150 * DAY).toISOString());
  });

  it('with fewer than 2 intervals falls back to expected use × quantity from delivery, else predicts nothing', () => {
    const start = Date.parse('2026-01-05T09:00:00Z');
    const withUse = { ...beans, expectedUseDays: 20, quantity: 2 };
    const state = journey([
      { type: 'order.placed', occurredAt: new Date(start).toISOString(), orderId: 'o-0', items: [withUse] },
      { type: 'order.placed', occurredAt: new Date(start + 35 * DAY).toISOString(), orderId: 'o-1', items: [withUse] },
      { type: 'shipment.delivered', occurredAt: new Date(start + 37 * DAY).toISOString(), orderId: 'o-1' },
    ]);
    expect(predictReplenishment(state)).toEqual([
      expect.objectContaining({ method: 'expected-use', at: new Date(start + 77 * DAY).toISOString(), orderId: 'o-1' }),
    ]);
    expect(predictReplenishment(journey(ordersAt([start, start + 30 * DAY])))).toEqual([]);
  });
});

describe('late-delivery risk from dispatch time and observed transit times', () => {
  const promised = '2026-11-20T18:00:00.000Z';
  function withDeliveries(
    transitDays: number[],
    dispatchBeforePromiseDays: number,
    extra: RawEvent[] = [],
  ): JourneyState {
    const history = transitDays.flatMap((days, index): RawEvent[] => {
      const dispatched = Date.parse(`2026-0${index + 2}-02T08:00:00Z`);
      return [
        {
          type: 'order.placed',
          occurredAt: new Date(dispatched - DAY).toISOString(),
          orderId: `h-${index}`,
          items: [beans],
        },
        { type: 'shipment.dispatched', occurredAt: new Date(dispatched).toISOString(), orderId: `h-${index}` },
        {
          type: 'shipment.delivered',
          occurredAt: new Date(dispatched + days * DAY).toISOString(),
          orderId: `h-${index}`,
        },
      ];
    });
    return journey([
      ...history,
      {
        type: 'order.placed',
        occurredAt: '2026-11-10T10:00:00Z',
        orderId: 'o-9',
        promisedDeliveryAt: promised,
        items: [beans],
      },
      {
        type: 'shipment.dispatched',
        occurredAt: new Date(Date.parse(promised) - dispatchBeforePromiseDays * DAY).toISOString(),
        orderId: 'o-9',
      },
      ...extra,
    ]);
  }
  const riskOf = (state: JourneyState) => predictNeeds(state).find((need) => need.kind === 'late-delivery');

  it('is the share of observed transit times that would arrive after the promise', () => {
    expect(riskOf(withDeliveries([2, 3, 4, 5], 3.5))).toMatchObject({ risk: 0.5, method: 'observed-transit' });
    expect(riskOf(withDeliveries([2, 3, 4, 5], 6))).toMatchObject({ risk: 0 });
    const late = riskOf(withDeliveries([2, 3, 4, 5], 1))!;
    expect(late).toMatchObject({ risk: 1, at: new Date(Date.parse(promised) - DAY + 3.5 * DAY).toISOString() });
    expect(late.basis).toContain('in the 4 deliveries we have seen parcels take about 3.5 days');
  });

  it('uses brand-wide samples passed in, and a default distribution with too few observations', () => {
    const state = withDeliveries([2], 2.5);
    expect(riskOf(state)).toMatchObject({ method: 'default-transit', risk: 0.8 });
    const brand = predictNeeds(state, { transitSamplesMs: [1, 1, 1].map((days) => days * DAY) });
    expect(brand.find((need) => need.kind === 'late-delivery')).toMatchObject({ method: 'observed-transit', risk: 0 });
  });

  it('a carrier ETA after the promise is certain; delivered orders have no risk', () => {
    const delayed = withDeliveries([2, 2, 2], 5, [
      {
        type: 'shipment.delayed',
        occurredAt: '2026-11-16T10:00:00Z',
        orderId: 'o-9',
        newEstimatedDeliveryAt: '2026-11-23T10:00:00Z',
      },
    ]);
    expect(riskOf(delayed)).toMatchObject({ risk: 1, method: 'carrier-eta', at: '2026-11-23T10:00:00.000Z' });
    const done = withDeliveries([2, 2, 2], 1, [{ type: 'shipment.delivered', occurredAt: promised, orderId: 'o-9' }]);
    expect(predictDeliveryRisk(done.orders['o-9']!, [])).toBeUndefined();
  });
});
