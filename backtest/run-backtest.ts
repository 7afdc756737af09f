import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkerOptions } from '@temporalio/worker';
import { KeptClient } from '../client/kept-client';
import { loadPlaybooks } from '../common/playbooks/load';
import { loadServiceProfiles } from '../common/profiles/load-profiles';
import type { BacktestCapture } from './capture';
import { collectObserved } from './collect';
import { readBacktestHistory } from './history';
import { BacktestAbortedError, replayEvents, settleAll, type BacktestProgress, type FailedEvent } from './replay';
import { mergeObserved, progressMerger, splitByShard } from './shards';
import { configPaths, startBacktestStack, type BacktestStack, type StackOptions } from './stack';
import { shiftEvent, toHistoryTime, weekShiftMs } from './time-shift';
import { keptWorkflowBundleOptions } from '../workers/workflow-bundle';

export { BacktestAbortedError, type BacktestProgress } from './replay';
export { EmptyHistoryError } from './history';

export interface BacktestOptions {
  /** A history in `kept import`'s formats: .csv or .jsonl. */
  historyFile: string;
  /** Folder with `profiles/`, `playbooks/` and optionally `templates/` (default `config`). */
  configDir?: string;
  /** Only this brand's events. */
  brand?: string;
  /** ISO instants: events outside are not replayed; the run goes on to `to` (default: last event + 60 days). */
  from?: string;
  to?: string;
  /**
   * Warm-up, as a brand that imports its past history before going live: every event is still
   * replayed (the brand statistics learn from it), but the report scores late-delivery notices
   * only for orders placed at or after this ISO instant.
   */
  scoreFrom?: string;
  /** Customers whose events of one instant are sent at once, per shard (default 8). */
  concurrency?: number;
  /**
   * Time-skipping servers (each with its own worker, ledger and capture) the customers are
   * spread over, by a stable hash, run in parallel (default 1). See backtest/shards.ts.
   */
  shards?: number;
  onProgress?: (progress: BacktestProgress) => void;
  /** Aborting stops sending, shuts the worker and servers down and removes the temporary folder. */
  signal?: AbortSignal;
  /** Copy the captured mail here (`<id>.eml` + `<id>.json`), for an operator to open. */
  mailDir?: string;
  /** Once everything runs: where (ports of the run's own servers, its temporary folder); once per shard. */
  onStarted?: (where: BacktestWhere) => void;
  /** A pre-built workflow bundle; otherwise the worker bundles `workflows/` (a few seconds). */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export interface BacktestWhere {
  temporalAddress: string;
  smtpPort: number;
  receiverPort: number;
  workDir: string;
}

/** How long journeys run on after the last event when no `to` is given: late timers (check-ins, fix-held) fire. */
export const RUN_ON_MS = 60 * 24 * 3_600_000;
const DEFAULT_CONCURRENCY = 8;

/**
 * What Kept would have done on a history: every event replayed at its own virtual time
 * through the real workflows, on a time-skipping server, worker, SMTP capture, receivers and
 * ledger of the run's own; everything observed comes back on the history's timeline.
 */
export async function runBacktest(options: BacktestOptions): Promise<BacktestCapture> {
  const started = Date.now();
  const history = await readBacktestHistory(options.historyFile, options);
  const configDir = options.configDir ?? 'config';
  const config = configPaths(configDir);
  const playbookIds = playbookIdsOf(
    history.events.map((event) => event.brand),
    config.playbooksDir,
  );
  throwIfAborted(options.signal);

  const parts = splitByShard(history.events, Math.max(1, options.shards ?? 1)).filter((part) => part.length > 0);
  const workflowBundle = options.workflowBundle ?? (parts.length > 1 ? await bundleOnce() : undefined);
  throwIfAborted(options.signal);
  const stacks = await startStacks(parts.length, { config, workflowBundle }, options.signal);
  // Ctrl-C does not tear the stacks down under the replay: a client call in flight would be
  // retried by gRPC on a closed channel and crash the process. The replay stops at its next
  // step instead, every call settles, and then everything stops.
  const stopAll = () => Promise.all(stacks.map((stack) => stack.stop()));
  try {
    throwIfAborted(options.signal);
    for (const stack of stacks)
      options.onStarted?.({
        temporalAddress: stack.env.address,
        smtpPort: stack.smtp.port,
        receiverPort: stack.receiver.port,
        workDir: stack.workDir,
      });
    const firstMs = Date.parse(history.events[0]!.occurredAt);
    const lastMs = Date.parse(history.events.at(-1)!.occurredAt);
    // One shift for every shard (after the latest server clock), so all report on one timeline.
    const serverNows = await Promise.all(stacks.map((stack) => stack.env.currentTimeMs()));
    const shiftMs = weekShiftMs(firstMs, Math.max(...serverNows));
    const endMs = Math.max(lastMs, options.to ? Date.parse(options.to) : lastMs + RUN_ON_MS) + shiftMs;
    const progressOf = progressMerger(
      parts.map((part) => part.length),
      options.onProgress,
    );
    const shardResults = await settleAll(
      stacks.map((stack, index) =>
        runShard(stack, parts[index]!, {
          shiftMs,
          endMs,
          playbookIds,
          concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
          signal: options.signal,
          onProgress: progressOf(index),
        }),
      ),
    );
    const failedEvents = shardResults.flatMap((result) => result.failedEvents);
    const observed = mergeObserved(shardResults.map((result) => result.observed));
    if (options.mailDir) for (const stack of stacks) copyMail(stack.mailDir, options.mailDir);
    return {
      run: {
        historyFile: options.historyFile,
        configDir,
        ...(options.brand ? { brand: options.brand } : {}),
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
        ...(options.scoreFrom ? { scoreFrom: options.scoreFrom } : {}),
        elapsedMs: Date.now() - started,
        virtualStart: new Date(firstMs).toISOString(),
        virtualEnd: toHistoryTime(endMs, shiftMs),
        shiftMs,
        ...(options.mailDir ? { mailDir: path.resolve(options.mailDir) } : {}),
        weeklyCaps: weeklyCapsOf(config.profilesDir),
      },
      events: history.events,
      rejected: history.rejected,
      ...(failedEvents.length ? { failedEvents } : {}),
      ...observed,
    };
  } catch (error) {
    if (options.signal?.aborted) throw new BacktestAbortedError();
    throw error;
  } finally {
    await stopAll();
  }
}

/** One workflow bundle for every shard's worker, instead of each bundling `workflows/` (seconds of CPU each). */
async function bundleOnce(): Promise<{ code: string }> {
  const { code } = await bundleWorkflowCode(keptWorkflowBundleOptions({ logger: new DefaultLogger('WARN') }));
  return { code };
}

/**
 * The shards' stacks, started one after another; if one fails to start or the run is stopped
 * (Ctrl-C) meanwhile, the ones already up are stopped. Not all at once: three test servers
 * starting together once left the run waiting for ever with one of them up (seen in CI), and
 * a start between steps can be interrupted where a Promise.all could not.
 */
async function startStacks(count: number, options: StackOptions, signal?: AbortSignal): Promise<BacktestStack[]> {
  const stacks: BacktestStack[] = [];
  try {
    while (stacks.length < count) {
      throwIfAborted(signal);
      stacks.push(await startBacktestStack(options));
    }
    return stacks;
  } catch (error) {
    await Promise.all(stacks.map((stack) => stack.stop()));
    throw error;
  }
}

interface ShardRun {
  shiftMs: number;
  endMs: number;
  playbookIds: Set<string>;
  concurrency: number;
  signal?: AbortSignal;
  onProgress: (progress: BacktestProgress) => void;
}

/** One shard: its customers' events replayed on its own server, then what it observed. */
async function runShard(
  stack: BacktestStack,
  events: BacktestCapture['events'],
  run: ShardRun,
): Promise<{ failedEvents: FailedEvent[]; observed: Awaited<ReturnType<typeof collectObserved>> }> {
  const failedEvents = await replayEvents({
    env: stack.env,
    kept: new KeptClient({ client: stack.env.client, taskQueue: stack.taskQueue }),
    events: events.map((event) => shiftEvent(event, run.shiftMs)),
    shiftMs: run.shiftMs,
    endMs: run.endMs,
    concurrency: run.concurrency,
    signal: run.signal,
    onProgress: run.onProgress,
  });
  await settle(stack);
  const observed = await collectObserved({
    client: stack.client,
    ledgerFile: stack.ledger.file,
    mailDir: stack.mailDir,
    delivered: stack.delivered,
    startedWorkflows: stack.startedWorkflows,
    customers: customersOf(events),
    playbookIds: run.playbookIds,
    shiftMs: run.shiftMs,
  });
  return { failedEvents, observed };
}

/** The last decision rounds and deliveries finish: a few seconds of server time, in steps. */
async function settle(stack: BacktestStack): Promise<void> {
  for (let step = 0; step < 5; step++) await stack.env.sleep(1_000);
}

function playbookIdsOf(brands: string[], playbooksDir: string): Set<string> {
  const ids = new Set<string>();
  for (const brand of new Set(brands))
    for (const playbook of loadPlaybooks(brand, playbooksDir).playbooks) ids.add(playbook.id);
  return ids;
}

/** Each brand's overall weekly contact cap, for the report's "did we spam anyone" view. */
function weeklyCapsOf(profilesDir: string): Record<string, number> {
  const caps: Record<string, number> = {};
  for (const [brand, profile] of loadServiceProfiles(profilesDir)) {
    const perWeek = profile.contactPolicy.caps.overall.perWeek;
    if (perWeek !== undefined) caps[brand] = perWeek;
  }
  return caps;
}

function customersOf(events: BacktestCapture['events']): { brand: string; customerId: string }[] {
  const seen = new Map(events.map((event) => [`${event.brand}/${event.customerId}`, event]));
  return [...seen.values()].map((event) => ({ brand: event.brand, customerId: event.customerId }));
}

function copyMail(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  cpSync(from, to, { recursive: true });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BacktestAbortedError();
}
