import type { CapturedMessage } from '../capture';
import type { ContactFigures, Example } from './schema';
import { counted, customerKey, DAY_MS, groupBy, pickExamples } from './stats';

const WEEK_MS = 7 * DAY_MS;

/**
 * "Did we spam anyone": contacts per customer, and the most non-transactional contacts any
 * customer got in 7 days against the brand's weekly cap. A contact is a message to the
 * customer or a human task to reach them; messages to staff are not contacts.
 */
export function contactFigures(
  messages: readonly CapturedMessage[],
  customersInHistory: ReadonlySet<string>,
  weeklyCaps: Record<string, number> | undefined,
): ContactFigures {
  const contacts = messages.filter((message) => message.recipientKind === 'customer');
  const perCustomer = groupBy(contacts, (message) => customerKey(message.brand, message.customerId));
  const allCustomers = new Set([...customersInHistory, ...perCustomer.map(([key]) => key)]);
  const maxContacts = Math.max(0, ...perCustomer.map(([, group]) => group.length));
  const weekly = perCustomer.map(([, group]) => ({ first: group[0]!, most: mostInSevenDays(group) }));
  const maxWeekly = Math.max(0, ...weekly.map((entry) => entry.most));
  return {
    customersInHistory: customersInHistory.size,
    customersContacted: perCustomer.length,
    contacts: contacts.length,
    distribution: distribution(
      perCustomer.map(([, group]) => group.length),
      allCustomers.size - perCustomer.length,
    ),
    max: {
      contacts: maxContacts,
      examples: pickExamples(perCustomer.filter(([, g]) => g.length === maxContacts).map(([, g]) => example(g[0]!))),
    },
    maxInSevenDays: {
      contacts: maxWeekly,
      examples: pickExamples(weekly.filter((entry) => entry.most === maxWeekly).map((entry) => example(entry.first))),
    },
    overWeeklyCap: weeklyCaps
      ? {
          caps: weeklyCaps,
          ...counted(
            weekly
              .filter(
                (entry) => weeklyCaps[entry.first.brand] !== undefined && entry.most > weeklyCaps[entry.first.brand]!,
              )
              .map((entry) => ({ ...example(entry.first), note: `${entry.most} in 7 days` })),
          ),
        }
      : null,
    definition:
      'A contact is a message to the customer or a human task to reach them. The 7-day figures count ' +
      'non-transactional contacts in any rolling 7 days, the window the weekly cap applies to.',
  };
}

function example(message: CapturedMessage): Example {
  return { customerId: message.customerId, brand: message.brand };
}

function mostInSevenDays(group: readonly CapturedMessage[]): number {
  const times = group
    .filter((message) => message.category !== 'transactional')
    .map((message) => Date.parse(message.sentAt))
    .sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= WEEK_MS) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

function distribution(counts: readonly number[], uncontacted: number) {
  const histogram = new Map<number, number>();
  if (uncontacted > 0) histogram.set(0, uncontacted);
  for (const count of counts) histogram.set(count, (histogram.get(count) ?? 0) + 1);
  return [...histogram.entries()].sort(([a], [b]) => a - b).map(([contacts, customers]) => ({ contacts, customers }));
}
