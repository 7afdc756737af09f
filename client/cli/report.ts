import type { Client } from '@temporalio/client';
import { lifecycleStages } from '../../common/events';
import { promiseOutcomes, promiseStatuses } from '../../common/promises/schema';
import { formatInZone } from '../../workflows/journey/operator-view';
import { listPromises, type PromiseListItem } from '../promise-list';

/** A running promise that needs someone now (at risk or already breached), with its due time. */
export interface PromiseNeedingAttention {
  team: string;
  promiseId: string;
  customerId: string;
  brand: string;
  owner: string;
  status: string;
  dueAt?: string;
  /** The due time in the brand's timezone, as the team reads it. */
  dueLocal?: string;
}

export interface KeptReport {
  brand?: string;
  journeysByStage: Record<string, number>;
  runningPromisesByStatus: Record<string, number>;
  endedPromisesByOutcome: Record<string, number>;
  /**
   * Kept (on time or late) over every judged promise: ended kept, kept-late, renegotiated and
   * breached, and the breached ones still running. Cancelled and still-open ones are not judged.
   * null when nothing has been judged yet.
   */
  keptRate: number | null;
  /** The counts behind the kept-rate. */
  keptRateBasis: { kept: number; judged: number; breachedRunning: number };
  atRiskByTeam: Record<string, number>;
  /** At-risk and breached running promises, per team, soonest due first. */
  needingAttention: PromiseNeedingAttention[];
  /** What the numbers mean, in words (printed under the tables). */
  notes: string[];
}

/** At most this many promises are listed for the at-risk table. */
const ATTENTION_LIMIT = 1000;

/**
 * Counts from Temporal visibility. The dev server's visibility groups only by
 * ExecutionStatus, so each stage and status is one `count` query. `zoneOf` gives each brand's
 * business timezone, so due times read as the team reads them.
 */
export async function buildReport(
  client: Client,
  brand?: string,
  zoneOf: (brand: string) => string | undefined = () => undefined,
): Promise<KeptReport> {
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
  const basis = keptRateBasis(endedPromisesByOutcome, runningPromisesByStatus);
  const scoped = brand ? { brand } : {};
  const list = (status: 'at-risk' | 'breached') => listPromises(client, { ...scoped, status, limit: ATTENTION_LIMIT });
  const [atRisk, breached] = await Promise.all([list('at-risk'), list('breached')]);
  const running = [...atRisk, ...breached].filter((promise) => promise.running);
  const needingAttention = running.map((promise) => attention(promise, zoneOf)).sort(byTeamThenDue);
  const atRiskByTeam: Record<string, number> = {};
  for (const promise of atRisk.filter((item) => item.running))
    atRiskByTeam[teamOf(promise)] = (atRiskByTeam[teamOf(promise)] ?? 0) + 1;
  return {
    ...scoped,
    journeysByStage,
    runningPromisesByStatus,
    endedPromisesByOutcome,
    keptRate: basis.judged ? Math.round((basis.kept / basis.judged) * 1000) / 1000 : null,
    keptRateBasis: basis,
    atRiskByTeam,
    needingAttention,
    notes: reportNotes(basis),
  };
}

/** Breached promises count against the rate the moment they breach, not only when they end. */
export function keptRateBasis(
  ended: Record<string, number>,
  running: Record<string, number>,
): KeptReport['keptRateBasis'] {
  const kept = (ended.kept ?? 0) + (ended['kept-late'] ?? 0);
  const breachedRunning = running.breached ?? 0;
  const judged = kept + (ended.breached ?? 0) + (ended.renegotiated ?? 0) + breachedRunning;
  return { kept, judged, breachedRunning };
}

function reportNotes(basis: KeptReport['keptRateBasis']): string[] {
  return [
    `kept-rate = kept (on time or late) ÷ judged promises: ${basis.kept} of ${basis.judged}` +
      (basis.breachedRunning ? `, counting ${basis.breachedRunning} breached promise(s) still running` : '') +
      '.',
    'Judged: ended kept, kept-late, renegotiated (the due time moved) and breached, plus breached ones still running; ' +
      'open and cancelled promises are not judged.',
    'Running journeys per stage and promises per status are counts from Temporal visibility (they may lag about a second); ' +
      'due times are in each brand’s timezone.',
  ];
}

function attention(promise: PromiseListItem, zoneOf: (brand: string) => string | undefined): PromiseNeedingAttention {
  const zone = zoneOf(promise.brand) ?? 'UTC';
  return {
    team: teamOf(promise),
    promiseId: promise.promiseId,
    customerId: promise.customerId,
    brand: promise.brand,
    owner: promise.owner,
    status: promise.status,
    ...(promise.dueAt ? { dueAt: promise.dueAt, dueLocal: formatInZone(promise.dueAt, zone) } : {}),
  };
}

const teamOf = (promise: PromiseListItem): string => promise.team ?? '(no team)';

function byTeamThenDue(a: PromiseNeedingAttention, b: PromiseNeedingAttention): number {
  return a.team.localeCompare(b.team) || (a.dueAt ?? '').localeCompare(b.dueAt ?? '');
}

async function countEach<K extends string>(keys: readonly K[], count: (key: K) => Promise<number>) {
  const values = await Promise.all(keys.map(count));
  return Object.fromEntries(keys.map((key, index) => [key, values[index]!])) as Record<K, number>;
}
