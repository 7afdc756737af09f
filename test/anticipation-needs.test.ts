import path from 'node:path';
import { addSample, emptySketch, serializeSketch } from '../common/anticipation/transit-sketch';
import { parseLifecycleEvent, type LifecycleEventInput } from '../common/events';
import { fieldAnchors } from '../common/playbooks/anchors';
import { planContacts } from '../common/playbooks/engine';
import { loadPlaybooks } from '../common/playbooks/load';
import { predictReplenishment } from '../common/predictions';
import { loadServiceProfile } from '../common/profiles/load-profiles';
import { anticipationOf, noteBrandCadence, noteForAnticipation } from '../workflows/journey/anticipation-state';
import { applyEvent, initialJourneyState, type JourneyState } from '../workflows/journey/state';

/**
 * Anticipation beyond deliveries, pure (the journey workflow does the same on each event):
 * replenishment for a customer with one purchase from the brand's learned cadence for the sku
 * (their own cadence takes over once it exists), and a usage drop found in `usage.reported`
 * levels against the customer's own baseline: the last report below half the median of the
 * four reports before it.
 */
const DAY = 24 * 3_600_000;
const beans = { sku: 'beans', name: 'Espresso beans', category: 'coffee', price: 20 };
const start = Date.parse('2026-03-02T09:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

class Journey {
  readonly state: JourneyState = initialJourneyState('nordhem', 'ada', '2026-01-01T00:00:00.000Z');
  private count = 0;
  add(input: Record<string, unknown>): void {
    this.count += 1;
    const event = parseLifecycleEvent({
      eventId: `e-${this.count}`,
      brand: 'nordhem',
      customerId: 'ada',
      ...input,
    } as LifecycleEventInput);
    if (applyEvent(this.state, event).result.applied) noteForAnticipation(this.state, event);
  }
  order(orderId: string, at: number, quantity = 1): void {
    this.add({ type: 'order.placed', occurredAt: iso(at), orderId, items: [{ ...beans, quantity }] });
  }
  usage(level: number, at: number): void {
    this.add({ type: 'usage.reported', occurredAt: iso(at), sku: 'beans', level });
  }
}

/** What the brand's statistics answer for the sku: `count` customers re-ordering every `days` days. */
function brandSketch(days: number, count: number): string {
  let sketch = emptySketch();
  for (let index = 0; index < count; index += 1) sketch = addSample(sketch, (days + (index % 3) - 1) * DAY);
  return serializeSketch(sketch);
}

describe('replenishment from the brand’s cadence for the sku', () => {
  it('predicts a one-purchase customer’s next need from the brand’s customers, then from their own cadence', () => {
    const journey = new Journey();
    journey.order('o-1', start);
    expect(anticipationOf(journey.state).staleSkus).toEqual(['beans']);
    noteBrandCadence(anticipationOf(journey.state), 'beans', brandSketch(30, 12));
    const [need] = predictReplenishment(journey.state);
    expect(need).toMatchObject({ method: 'brand-cadence', orderId: 'o-1' });
    expect(Math.abs(Date.parse(need!.at) - (start + 30 * DAY))).toBeLessThanOrEqual(2 * DAY);
    expect(need!.basis).toMatch(/^customers usually re-order Espresso beans about every (29|30|31) days/);

    // Two intervals of 20 days of her own: her cadence takes over.
    journey.order('o-2', start + 20 * DAY);
    journey.order('o-3', start + 40 * DAY);
    const [own] = predictReplenishment(journey.state);
    expect(own).toMatchObject({ method: 'own-intervals', at: iso(start + 60 * DAY) });
  });

  it('does not use a brand cadence learned from too few re-orders', () => {
    const journey = new Journey();
    journey.add({
      type: 'order.placed',
      occurredAt: iso(start),
      orderId: 'o-1',
      items: [{ ...beans, expectedUseDays: 10 }],
    });
    noteBrandCadence(anticipationOf(journey.state), 'beans', brandSketch(30, 4));
    expect(predictReplenishment(journey.state)).toEqual([]);
  });

  it('gives the brand each re-order interval once, per unit of the earlier purchase', () => {
    const journey = new Journey();
    journey.order('o-1', start, 2);
    journey.order('o-2', start + 50 * DAY);
    const reorders = anticipationOf(journey.state).toLearn.filter((observation) => observation.metric === 'reorder');
    expect(reorders).toEqual([{ metric: 'reorder', key: 'o-2:beans', scopes: ['sku=beans'], durationMs: 25 * DAY }]);
  });
});

describe('usage drop against the customer’s own baseline', () => {
  const playbooks = loadPlaybooks('nordhem').playbooks;
  const profile = loadServiceProfile(path.resolve(__dirname, '../config/profiles/nordhem.json'));
  const helpFor = (journey: Journey, now: number) =>
    planContacts(journey.state, playbooks, iso(now), { profile }).filter(
      (contact) => contact.playbookId === 'usage.drop-detected',
    );

  it('offers help when the last report falls below half the median of the four before it, once per drop', () => {
    const journey = new Journey();
    journey.order('o-1', start);
    [10, 12, 9, 11].forEach((level, index) => journey.usage(level, start + (index + 1) * 7 * DAY));
    expect(helpFor(journey, start + 29 * DAY)).toEqual([]);

    const droppedAt = start + 35 * DAY;
    journey.usage(4, droppedAt);
    const [help] = helpFor(journey, droppedAt + 1000);
    expect(help).toMatchObject({ dueAt: iso(droppedAt), data: { productName: 'Espresso beans', sku: 'beans' } });
    expect(help!.reason).toBe(
      'Your use has dropped (your last report was 4, against a usual 10.5), and we want to make sure nothing is getting in the way.',
    );
    // Still low a week later: the same drop (the same anchor, so the same key: no second message).
    journey.usage(3, droppedAt + 7 * DAY);
    const drops = () => fieldAnchors(journey.state, 'predicted.usageDropAt').map((anchor) => anchor.at);
    expect(drops()).toEqual([iso(droppedAt)]);
    expect(helpFor(journey, droppedAt + 7 * DAY)).toEqual([]);
    // Back to normal: the drop is over, and a later one is a new one.
    journey.usage(9, droppedAt + 14 * DAY);
    expect(drops()).toEqual([]);
  });

  it('finds no drop in a steady or growing series, nor before there is a baseline', () => {
    const journey = new Journey();
    [5, 1].forEach((level, index) => journey.usage(level, start + index * DAY));
    [6, 7, 8, 9, 10, 6].forEach((level, index) => journey.usage(level, start + (index + 2) * DAY));
    expect(helpFor(journey, start + 9 * DAY)).toEqual([]);
  });
});
