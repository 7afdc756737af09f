import { mergeObserved, shardOf, splitByShard } from '../backtest/shards';
import type { CapturedMessage } from '../backtest/capture';

function message(idempotencyKey: string, sentAt: string, customerId = 'c-1'): CapturedMessage {
  return {
    idempotencyKey,
    brand: 'nordhem',
    customerId,
    recipientKind: 'team',
    channel: 'email',
    category: 'service',
    template: 'staff.digest',
    isTask: false,
    sentAt,
  };
}

describe('backtest shards', () => {
  it('keeps each customer on one shard, whatever the order of the events', () => {
    const events = ['a', 'b', 'c', 'd', 'e', 'a', 'c'].map((customerId, i) => ({ brand: 'nordhem', customerId, i }));
    const parts = splitByShard(events, 3);
    for (const part of parts)
      for (const event of part) expect(shardOf(event.brand, event.customerId, 3)).toBe(parts.indexOf(part));
    expect(parts.flat()).toHaveLength(events.length);
    // Within a shard, a customer's events keep their order.
    expect(
      parts
        .flat()
        .filter((event) => event.customerId === 'a')
        .map((event) => event.i),
    ).toEqual([0, 5]);
  });

  it('counts a team digest that two shards both sent once, at its earliest', () => {
    const digest = 'kept/nordhem/digest/team-support/2027-09-17T07:00:00.000Z';
    const merged = mergeObserved([
      { decisions: [], promises: [], messages: [message(digest, '2027-09-17T07:00:02.000Z')] },
      {
        decisions: [],
        promises: [],
        messages: [
          message(digest, '2027-09-17T07:00:01.000Z'),
          message('kept/nordhem/customer/c-2/x', '2027-09-18T09:00:00.000Z', 'c-2'),
        ],
      },
    ]);
    expect(merged.messages.map((one) => [one.idempotencyKey, one.sentAt])).toEqual([
      [digest, '2027-09-17T07:00:01.000Z'],
      ['kept/nordhem/customer/c-2/x', '2027-09-18T09:00:00.000Z'],
    ]);
  });
});
