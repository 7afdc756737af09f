import type { Client } from '@temporalio/client';
import { addCounts, countHistories, divideCounts, noCounts, timerLatenessMs, type HistoryCounts } from './histories';
import type { MailWatch } from './mail-watch';
import { cpuMeter, rssBytes } from './process-stats';
import { inParallel, percentile, sleepMs } from './stats';
import type { BenchEvent, BenchSystem } from './systems';
import type { WorkerProcess } from './worker-process';

/**
 * One system's measurements, phase after phase, against one worker process and the bench's
 * server: the same events, in the same order, for Kept and for the baseline.
 */
export interface IngestResult {
  events: number;
  acknowledgedPerSecond: number;
  settledPerSecond: number;
  roundTripP50Ms: number;
  roundTripP99Ms: number;
  cpuMsPerEvent: number;
  /** The part of `cpuMsPerEvent` spent in the worker process (the rest is the Temporal server's). */
  workerCpuMsPerEvent: number;
}

export interface SleepingResult {
  customers: number;
  rssBytes: number;
  cachedWorkflows: number;
  /** Share of the worker's life spent in GC pauses (main thread). */
  gcShare: number;
  /** The same for the SDK's workflow thread, where Kept's workflows run. */
  workflowThreadGcShare: number;
}

export interface SystemResult {
  newCustomers: IngestResult;
  existingCustomers: IngestResult;
  /** `product.viewed` to the same customers: an event with no order, promise or case to touch. */
  browsingCustomers: IngestResult;
  perEvent: Record<'order.placed' | 'shipment.dispatched' | 'product.viewed', HistoryCounts>;
  sleeping: SleepingResult[];
  emailAcceptedMs: number[];
  timerLatenessMs: number[];
}

export interface RunContext {
  client: Client;
  system: BenchSystem;
  worker: WorkerProcess;
  serverPid: number;
  mail: MailWatch;
  concurrency: number;
  customers: number;
  /** Larger numbers of sleeping customers to reach after the first measurements (--large). */
  sleepingLevels: number[];
  historySample: number;
  emailSamples: number;
  timerSamples: number;
  log: (line: string) => void;
}

const customerId = (prefix: string, index: number) => `${prefix}-${index}`;
const inThreeDays = () => new Date(Date.now() + 3 * 86_400_000);

/** One system's ingest phases, from the rounds of `runIngestRounds`. */
export interface IngestPhases {
  newCustomers: IngestResult;
  existingCustomers: IngestResult;
  browsingCustomers: IngestResult;
  perEvent: SystemResult['perEvent'];
}

/** The ingest's phases, in the order each round sends them: one event per customer each. */
const INGEST_PHASES = [
  { type: 'order.placed', event: (id: string) => placed(id) },
  { type: 'shipment.dispatched', event: (id: string) => dispatched(id) },
  { type: 'product.viewed', event: (id: string) => viewed(id) },
] as const;
type IngestPhaseType = (typeof INGEST_PHASES)[number]['type'];

/**
 * Every system's ingest, in rounds that alternate between the systems: each round sends
 * `order.placed` for its share of new customers to each system in turn, then
 * `shipment.dispatched` to them, then `product.viewed`. A shared machine (or the shared
 * server) that speeds up or slows down during the run then weighs on both systems alike; one
 * system's phases after the other's made the baseline's rate move by ±40% between runs. The
 * histories of the first `historySample` customers are counted after each of their events.
 */
export async function runIngestRounds(contexts: RunContext[], rounds: number): Promise<IngestPhases[]> {
  for (const context of contexts) {
    // One customer first, so loading the workflow code and first connections are not measured.
    for (const phase of INGEST_PHASES) await ingest(context, [phase.event('warm-up')]);
  }
  const customers = contexts[0]!.customers;
  const ids = Array.from({ length: customers }, (_, index) => customerId('c', index));
  const size = Math.ceil(customers / Math.max(1, Math.min(rounds, customers)));
  const chunks = Array.from({ length: Math.ceil(customers / size) }, (_, index) =>
    ids.slice(index * size, (index + 1) * size),
  );
  const sample = ids.slice(0, Math.min(contexts[0]!.historySample, chunks[0]!.length));
  // Per system and phase: each round's sample, and the sample customers' histories after the first round.
  const runs = contexts.map(() => new Map<IngestPhaseType, { samples: IngestSample[]; after: HistoryCounts }>());
  for (const [round, chunk] of chunks.entries()) {
    for (const phase of INGEST_PHASES) {
      for (const [index, context] of contexts.entries()) {
        const result = await ingest(context, chunk.map(phase.event));
        context.log(roundLine(context, round, chunks.length, phase.type, result));
        const run = runs[index]!.get(phase.type) ?? { samples: [], after: noCounts };
        run.samples.push(result);
        if (round === 0) run.after = await countCustomers(context, sample);
        runs[index]!.set(phase.type, run);
      }
    }
  }
  return runs.map((run) => {
    const [placedRun, dispatchedRun, viewedRun] = INGEST_PHASES.map((phase) => run.get(phase.type)!);
    // Each phase's own cost: the histories after it, less those after the phase before.
    const cost = (after: HistoryCounts, before?: HistoryCounts) =>
      divideCounts(before ? addCounts(after, before, -1) : after, sample.length);
    return {
      newCustomers: combine(placedRun!.samples),
      existingCustomers: combine(dispatchedRun!.samples),
      browsingCustomers: combine(viewedRun!.samples),
      perEvent: {
        'order.placed': cost(placedRun!.after),
        'shipment.dispatched': cost(dispatchedRun!.after, placedRun!.after),
        'product.viewed': cost(viewedRun!.after, dispatchedRun!.after),
      },
    };
  });
}

function roundLine(context: RunContext, round: number, rounds: number, type: string, sample: IngestSample): string {
  const rate = (sample.events * 1000) / Math.max(sample.settledMs, 1);
  return `${context.system.name}: round ${round + 1}/${rounds}, ${sample.events} × ${type}: ${rate.toFixed(1)} events/s settled`;
}

/** What a system does after its ingest: sleeping customers, event → email, timers. */
export async function runAfterIngest(context: RunContext, ingested: IngestPhases): Promise<SystemResult> {
  const { system, log } = context;
  const sleeping = [await measureSleeping(context, context.customers)];
  let reached = context.customers;
  for (const level of context.sleepingLevels.filter((level) => level > reached)) {
    log(`${system.name}: growing to ${level} sleeping customers`);
    const more = Array.from({ length: level - reached }, (_, index) => customerId('c', reached + index));
    await ingest(
      context,
      more.map((id) => placed(id)),
    );
    await ingest(
      context,
      more.map((id) => dispatched(id)),
    );
    reached = level;
    sleeping.push(await measureSleeping(context, level));
  }

  log(`${system.name}: event → email accepted, ${context.emailSamples} customers one at a time`);
  const emailAcceptedMs = await measureEmail(context);
  log(`${system.name}: timer lateness, ${context.timerSamples} orders promised in 10 s, ${TIMER_SPACING_MS} ms apart`);
  const lateness = await measureTimers(context);
  return { ...ingested, sleeping, emailAcceptedMs, timerLatenessMs: lateness };
}

const placed = (id: string): BenchEvent => ({ kind: 'order.placed', customerId: id, promisedAt: inThreeDays() });
const dispatched = (id: string): BenchEvent => ({ kind: 'shipment.dispatched', customerId: id });
const viewed = (id: string): BenchEvent => ({ kind: 'product.viewed', customerId: id });

/** One ingest, raw: combined over rounds by `combine`. */
interface IngestSample {
  events: number;
  acknowledgedMs: number;
  settledMs: number;
  roundTrips: number[];
  cpuMs: number;
  workerCpuMs: number;
}

export async function ingest(context: RunContext, events: BenchEvent[]): Promise<IngestSample> {
  const meter = cpuMeter([context.worker.pid, context.serverPid]);
  const workerMeter = cpuMeter([context.worker.pid]);
  const roundTrips: number[] = [];
  const started = Date.now();
  await inParallel(events, context.concurrency, async (event) => {
    const sent = Date.now();
    await context.system.send(event);
    roundTrips.push(Date.now() - sent);
  });
  const acknowledged = Date.now();
  const settled = Math.max(acknowledged, await context.worker.settled());
  return {
    events: events.length,
    acknowledgedMs: acknowledged - started,
    settledMs: settled - started,
    roundTrips,
    cpuMs: meter(),
    workerCpuMs: workerMeter(),
  };
}

/** The rounds of one phase as one measurement: rates over their summed time, percentiles over all calls. */
function combine(samples: IngestSample[]): IngestResult {
  const sum = (pick: (sample: IngestSample) => number) => samples.reduce((total, sample) => total + pick(sample), 0);
  const events = sum((sample) => sample.events);
  const roundTrips = samples.flatMap((sample) => sample.roundTrips);
  return {
    events,
    acknowledgedPerSecond:
      (events * 1000) /
      Math.max(
        sum((sample) => sample.acknowledgedMs),
        1,
      ),
    settledPerSecond:
      (events * 1000) /
      Math.max(
        sum((sample) => sample.settledMs),
        1,
      ),
    roundTripP50Ms: percentile(roundTrips, 50),
    roundTripP99Ms: percentile(roundTrips, 99),
    cpuMsPerEvent: sum((sample) => sample.cpuMs) / Math.max(events, 1),
    workerCpuMsPerEvent: sum((sample) => sample.workerCpuMs) / Math.max(events, 1),
  };
}

async function countCustomers(context: RunContext, customers: string[]): Promise<HistoryCounts> {
  let total = noCounts;
  for (const id of customers) {
    total = addCounts(total, await countHistories(context.client, await context.system.workflowIdsOf(id)));
  }
  return total;
}

async function measureSleeping(context: RunContext, customers: number): Promise<SleepingResult> {
  await context.worker.settled();
  await sleepMs(2_000);
  const status = await context.worker.probe('status');
  return {
    customers,
    rssBytes: rssBytes(context.worker.pid),
    cachedWorkflows: status.cachedWorkflows,
    gcShare: status.gcPauseMs / Math.max(status.uptimeMs, 1),
    workflowThreadGcShare: status.threadGcPauseMs / Math.max(status.uptimeMs, 1),
  };
}

async function measureEmail(context: RunContext): Promise<number[]> {
  const latencies: number[] = [];
  const timezone = zoneWhereItIsNoon(Date.now());
  for (let index = 0; index < context.emailSamples; index += 1) {
    const id = customerId('mail', index);
    const email = `${id}@bench.example`;
    await context.system.send({ kind: 'profile.updated', customerId: id, email, timezone });
    await context.worker.settled(500);
    const accepted = context.mail.acceptedFor(email, 60_000);
    const sent = Date.now();
    await context.system.send(placed(id));
    latencies.push((await accepted) - sent);
  }
  return latencies;
}

/**
 * Apart, so a timer is not measured behind the others. Due at one instant, each also waited
 * for the workflow tasks the others fired, one after another on the worker's workflow thread:
 * the p99 measured that queue (9-12 ms for bare, 40-69 ms for Kept), which is throughput, and
 * the ingest rows measure that. 500 ms apart, bare's p99 was 4 ms in three runs. Kept's was
 * 14-42 ms: its promises also remind at 50% and 80% of their window, so 20 orders fire 60
 * timers here, and one due while another promise's step (its task, its staff message) runs
 * waits for it.
 */
const TIMER_SPACING_MS = 500;

async function measureTimers(context: RunContext): Promise<number[]> {
  const ids = Array.from({ length: context.timerSamples }, (_, index) => customerId('timer', index));
  const firstDueAt = Date.now() + 10_000;
  const dueAt = (index: number) => new Date(firstDueAt + index * TIMER_SPACING_MS);
  await inParallel([...ids.keys()], context.concurrency, async (index) => {
    await context.system.send({ kind: 'order.placed', customerId: ids[index]!, promisedAt: dueAt(index) });
  });
  await sleepMs(Math.max(0, dueAt(ids.length - 1).getTime() + 5_000 - Date.now()));
  await context.worker.settled();
  const lateness: number[] = [];
  for (const id of ids)
    lateness.push(...(await timerLatenessMs(context.client, await context.system.workflowIdsOf(id))));
  return lateness;
}

/** An IANA zone in which it is about noon at `ms`, so quiet hours never defer the bench's mail. */
function zoneWhereItIsNoon(ms: number): string {
  let offset = (12 - new Date(ms).getUTCHours() + 24) % 24;
  if (offset > 12) offset -= 24;
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
