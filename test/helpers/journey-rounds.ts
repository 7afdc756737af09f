import type { Client } from '@temporalio/client';
import { journeyStateQuery } from '../../workflows/journey/messages';
import { historyCost } from './history-breakdown';

/** Waits until the journey has applied `events` events and has no workflow task pending. */
export async function waitForRounds(client: Client, workflowId: string, events: number): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  for (let tries = 0; tries < 100; tries += 1) {
    const state = await handle.query(journeyStateQuery);
    const described = await handle.describe();
    if (state.counters.eventsApplied >= events && !described.raw.pendingWorkflowTask) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${workflowId} did not settle`);
}

/**
 * For each event the journey accepted, in order, how many of the history events after it (up
 * to the next accepted event) `counts` picks, by their label (history-breakdown.ts) and their
 * summary: e.g. the config reads or the statistics exchanges of each event's round. Waits
 * until the journey has handled `events` events.
 */
export async function perEventCounts(
  client: Client,
  workflowId: string,
  events: number,
  counts: (label: string, summary: string) => boolean,
): Promise<number[]> {
  await waitForRounds(client, workflowId, events);
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const cost = await historyCost(client, workflowId);
  const perEvent: number[] = [];
  cost.sequence.forEach((label, index) => {
    if (label.includes('UpdateAccepted')) perEvent.push(0);
    const summary = history.events?.[index]?.userMetadata?.summary?.data;
    if (perEvent.length > 0 && counts(label, summary ? Buffer.from(summary).toString('utf8') : '')) {
      perEvent[perEvent.length - 1]! += 1;
    }
  });
  return perEvent;
}
