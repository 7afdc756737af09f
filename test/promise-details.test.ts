import { promiseWorkflowInputSchema } from '../common/promises/schema';
import { describeState, initialState } from '../workflows/promise/promise-state';
import { shippedProfiles } from './helpers/outreach';

/**
 * A promise's current details in the Temporal UI, as its operator reads them: times in the
 * brand's business-hours zone (Nordhem's staff are in London), and each state said once.
 */
describe("a promise's details", () => {
  const nordhem = shippedProfiles().get('nordhem')!;
  const input = promiseWorkflowInputSchema.parse({
    brand: 'nordhem',
    customerId: 'c-1',
    promiseId: 'p-callback',
    text: 'Call Olle back about the shelf',
    kind: 'callback',
    owner: { kind: 'person', id: 'sam', team: 'support' },
    channel: 'phone',
    // Two days after London went onto summer time (28 March 2027): 08:00 UTC is 09:00 there.
    due: { at: '2027-03-30T08:00:00Z' },
    createdAt: '2027-03-29T15:00:00Z',
    profile: { ...nordhem, webhookSubscriptions: [] },
  });

  it('gives the due time in the brand’s zone, with its weekday and the zone’s name', () => {
    const details = describeState(initialState(input), input);
    expect(details).toContain('Due Tue 30 Mar 2027 09:00 BST (business hours in Europe/London).');
    expect(details).not.toContain('2027-03-30T08:00');
  });

  it('says a breach and its time once, and the flags that are not the status', () => {
    const state = {
      ...initialState(input),
      status: 'breached' as const,
      flags: ['over-committed', 'breached'],
      breach: { at: '2027-03-30T08:00:00Z', dueAt: '2027-03-30T08:00:00Z', reason: 'not fulfilled by the due time' },
    };
    const details = describeState(state, input);
    expect(details).toContain('Status: breached [over-committed].');
    expect(details).toContain('Breached at Tue 30 Mar 2027 09:00 BST: not fulfilled by the due time.');
  });
});
