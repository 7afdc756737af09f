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
}

export interface SystemResult {
  newCustomers: IngestResult;
  existingCustomers: IngestResult;
  perEvent: Record<'order.placed' | 'shipment.dispatched', HistoryCounts>;
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

export async function runSystem(context: RunContext): Promise<SystemResult> {
  const { system, log } = context;
  const ids = Array.from({ length: context.customers }, (_, index) => customerId('c', index));
  const sample = ids.slice(0, context.historySample);

  // One customer first, so loading the workflow code and first connections are not measured.
  await ingest(context, [placed('warm-up')]);
  await ingest(context, [dispatched('warm-up')]);
  log(`${system.name}: ${ids.length} new customers (order.placed)`);
  const newCustomers = await ingest(
    context,
    ids.map((id) => placed(id)),
  );
  const afterPlaced = await countCustomers(context, sample);
  log(`${system.name}: ${ids.length} events to existing journeys (shipment.dispatched)`);
  const existingCustomers = await ingest(
    context,
    ids.map((id) => dispatched(id)),
  );
  const afterDispatched = await countCustomers(context, sample);
  const perEvent = {
    'order.placed': divideCounts(afterPlaced, sample.length),
    'shipment.dispatched': divideCounts(addCounts(afterDispatched, afterPlaced, -1), sample.length),
  };

  const sleeping = [await measureSleeping(context, ids.length)];
  let reached = ids.length;
  for (const level of context.sleepingLevels.filter((level) => level > ids.length)) {
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
  log(`${system.name}: timer lateness, ${context.timerSamples} orders promised in 10 s`);
  const lateness = await measureTimers(context);
  return { newCustomers, existingCustomers, perEvent, sleeping, emailAcceptedMs, timerLatenessMs: lateness };
}

const placed = (id: string): BenchEvent => ({ kind: 'order.placed', customerId: id, promisedAt: inThreeDays() });
const dispatched = (id: string): BenchEvent => ({ kind: 'shipment.dispatched', customerId: id });

export async function ingest(context: RunContext, events: BenchEvent[]): Promise<IngestResult> {
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
  const cpuMs = meter();
  const workerCpuMs = workerMeter();
  const perSecond = (until: number) => (events.length * 1000) / Math.max(until - started, 1);
  return {
    events: events.length,
    acknowledgedPerSecond: perSecond(acknowledged),
    settledPerSecond: perSecond(settled),
    roundTripP50Ms: percentile(roundTrips, 50),
    roundTripP99Ms: percentile(roundTrips, 99),
    cpuMsPerEvent: cpuMs / Math.max(events.length, 1),
    workerCpuMsPerEvent: workerCpuMs / Math.max(events.length, 1),
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

async function measureTimers(context: RunContext): Promise<number[]> {
  const ids = Array.from({ length: context.timerSamples }, (_, index) => customerId('timer', index));
  const dueAt = new Date(Date.now() + 10_000);
  await inParallel(ids, context.concurrency, async (id) => {
    await context.system.send({ kind: 'order.placed', customerId: id, promisedAt: dueAt });
  });
  await sleepMs(Math.max(0, dueAt.getTime() + 5_000 - Date.now()));
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
