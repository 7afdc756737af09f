import type { Client } from '@temporalio/client';
import { lifecycleStages } from '../../common/events';
import { promiseOutcomes, promiseStatuses } from '../../common/promises/schema';
import { listPromises } from '../promise-list';

export interface KeptReport {
  brand?: string;
  journeysByStage: Record<string, number>;
  runningPromisesByStatus: Record<string, number>;
  endedPromisesByOutcome: Record<string, number>;
  /** kept + kept-late over all ended promises but cancelled; null when none ended. */
  keptRate: number | null;
  atRiskByTeam: Record<string, number>;
}

/**
 * Counts from Temporal visibility. The dev server's visibility groups only by
 * ExecutionStatus, so each stage and status is one `count` query.
 */
export async function buildReport(client: Client, brand?: string): Promise<KeptReport> {
  const scope = brand ? ` AND KeptBrand = '${brand}'` : '';
  const count = async (query: string) => Number((await client.workflow.count(query + scope)).count);
  const journeysByStage = await countEach(lifecycleStages, (stage) =>
    count(`KeptKind = 'journey' AND KeptStage = '${stage}' AND ExecutionStatus = 'Running'`),
  );
  const runningPromisesByStatus = await countEach(promiseStatuses, (status) =>
    count(`KeptKind = 'promise' AND KeptStatus = '${status}' AND ExecutionStatus = 'Running'`),
  );
  const endedPromisesByOutcome = await countEach(promiseOutcomes, (outcome) =>
    count(`KeptKind = 'promise' AND KeptStatus = '${outcome}' AND ExecutionStatus != 'Running'`),
  );
  const kept = (endedPromisesByOutcome.kept ?? 0) + (endedPromisesByOutcome['kept-late'] ?? 0);
  const judged = kept + (endedPromisesByOutcome.breached ?? 0) + (endedPromisesByOutcome.renegotiated ?? 0);
  const atRisk = await listPromises(client, { ...(brand ? { brand } : {}), status: 'at-risk', limit: 1000 });
  const atRiskByTeam: Record<string, number> = {};
  for (const promise of atRisk)
    atRiskByTeam[promise.team ?? '(no team)'] = (atRiskByTeam[promise.team ?? '(no team)'] ?? 0) + 1;
  return {
    ...(brand ? { brand } : {}),
    journeysByStage,
    runningPromisesByStatus,
    endedPromisesByOutcome,
    keptRate: judged ? Math.round((kept / judged) * 1000) / 1000 : null,
    atRiskByTeam,
  };
}

async function countEach<K extends string>(keys: readonly K[], count: (key: K) => Promise<number>) {
  const values = await Promise.all(keys.map(count));
  return Object.fromEntries(keys.map((key, index) => [key, values[index]!])) as Record<K, number>;
}
