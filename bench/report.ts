import Table from 'cli-table3';
import type { HeapResult } from './heap';
import type { ImportBenchResult } from './import-bench';
import { percentile } from './stats';
import type { IngestPhases, SystemResult } from './run-system';

/**
 * The bench's table: one row per measure, Kept and bare side by side, and how many times
 * Kept's cost is the baseline's (for rates: how many times slower; for costs: how many times
 * more). The ingest rows also show the floor (Kept's Temporal shape without Kept's logic) and
 * Kept ÷ floor: what Kept's own code costs beyond the Temporal work its shape asks for.
 * Values are numbers; `--json` prints the same rows.
 */
export interface ReportRow {
  measure: string;
  unit: string;
  kept: number | null;
  bare: number | null;
  /** Kept's cost ÷ bare's: above 1 is worse. */
  ratio: number | null;
  /** The floor's value (Kept's Temporal shape without Kept's logic), for the ingest rows. */
  floor?: number | null;
  /** Kept's cost ÷ the floor's: what Kept's own code adds to its shape. */
  keptOverFloor?: number | null;
}

export interface BenchResults {
  kept: SystemResult;
  bare: SystemResult;
  /** Measured in the ingest rounds only (bench/floor-workflows.ts). */
  floor: IngestPhases;
  keptHeap: HeapResult;
  bareHeap: HeapResult;
  import?: ImportBenchResult;
}

const MIB = 1024 * 1024;

export function reportRows(results: BenchResults): ReportRow[] {
  const { kept, bare, floor } = results;
  const rows: ReportRow[] = [];
  const rate = (measure: string, k: number, b: number, f?: number) =>
    rows.push({ measure, unit: 'events/s', kept: k, bare: b, ratio: b / k, ...versusFloor(f, f && f / k) });
  const cost = (measure: string, unit: string, k: number, b: number, f?: number) =>
    rows.push({ measure, unit, kept: k, bare: b, ratio: b === 0 ? null : k / b, ...versusFloor(f, f && k / f) });

  for (const [label, key] of [
    ['new customer (order.placed)', 'newCustomers'],
    ['existing journey (shipment.dispatched)', 'existingCustomers'],
    ['existing journey (product.viewed)', 'browsingCustomers'],
  ] as const) {
    const [k, b, f] = [kept[key], bare[key], floor[key]];
    rate(`ingest ${label}, acknowledged`, k.acknowledgedPerSecond, b.acknowledgedPerSecond, f.acknowledgedPerSecond);
    rate(`ingest ${label}, settled`, k.settledPerSecond, b.settledPerSecond, f.settledPerSecond);
    cost(`client round trip p50, ${label}`, 'ms', k.roundTripP50Ms, b.roundTripP50Ms, f.roundTripP50Ms);
    cost(`client round trip p99, ${label}`, 'ms', k.roundTripP99Ms, b.roundTripP99Ms, f.roundTripP99Ms);
    cost(`server + worker CPU per event, ${label}`, 'ms', k.cpuMsPerEvent, b.cpuMsPerEvent, f.cpuMsPerEvent);
    cost(`  of which the worker, ${label}`, 'ms', k.workerCpuMsPerEvent, b.workerCpuMsPerEvent, f.workerCpuMsPerEvent);
  }
  for (const type of ['order.placed', 'shipment.dispatched', 'product.viewed'] as const) {
    const [k, b, f] = [kept.perEvent[type], bare.perEvent[type], floor.perEvent[type]];
    cost(`${type}: workflows started`, 'per event', k.workflows, b.workflows, f.workflows);
    cost(`${type}: workflow tasks`, 'per event', k.workflowTasks, b.workflowTasks, f.workflowTasks);
    cost(`${type}: activities`, 'per event', k.activities, b.activities, f.activities);
    cost(
      `${type}: markers (local activities, patches)`,
      'per event',
      k.localActivities,
      b.localActivities,
      f.localActivities,
    );
    cost(`${type}: history events`, 'per event', k.historyEvents, b.historyEvents, f.historyEvents);
  }
  cost('event → email accepted p50', 'ms', percentile(kept.emailAcceptedMs, 50), percentile(bare.emailAcceptedMs, 50));
  cost('event → email accepted p99', 'ms', percentile(kept.emailAcceptedMs, 99), percentile(bare.emailAcceptedMs, 99));
  cost('timer lateness p50', 'ms', percentile(kept.timerLatenessMs, 50), percentile(bare.timerLatenessMs, 50));
  cost('timer lateness p99', 'ms', percentile(kept.timerLatenessMs, 99), percentile(bare.timerLatenessMs, 99));
  cost(
    `heap per cached workflow (${results.keptHeap.customers} customers)`,
    'KiB',
    results.keptHeap.bytesPerCachedWorkflow / 1024,
    results.bareHeap.bytesPerCachedWorkflow / 1024,
  );
  cost(
    'heap per cached customer (all its workflows)',
    'KiB',
    (results.keptHeap.bytesPerCachedWorkflow * results.keptHeap.cachedWorkflows) / results.keptHeap.customers / 1024,
    (results.bareHeap.bytesPerCachedWorkflow * results.bareHeap.cachedWorkflows) / results.bareHeap.customers / 1024,
  );
  kept.sleeping.forEach((k, index) => {
    const b = bare.sleeping[index]!;
    cost(`worker RSS, ${k.customers} sleeping customers`, 'MiB', k.rssBytes / MIB, b.rssBytes / MIB);
    cost(`workflows cached, ${k.customers} sleeping customers`, 'count', k.cachedWorkflows, b.cachedWorkflows);
    cost(
      `worker GC pauses, ${k.customers} sleeping customers: main thread, share of its life`,
      '%',
      k.gcShare * 100,
      b.gcShare * 100,
    );
    cost(
      `worker GC pauses, ${k.customers} sleeping customers: workflow thread, share of its life`,
      '%',
      k.workflowThreadGcShare * 100,
      b.workflowThreadGcShare * 100,
    );
  });
  if (results.import) {
    const imported = results.import;
    rows.push({
      measure: `bulk import of ${imported.events} events`,
      unit: 'events/s',
      kept: imported.eventsPerSecond,
      bare: null,
      ratio: null,
    });
    rows.push({
      measure: 'bulk import ÷ settled existing-journey ingest',
      unit: 'ratio',
      kept: imported.eventsPerSecond / kept.existingCustomers.settledPerSecond,
      bare: null,
      ratio: null,
    });
    rows.push({
      measure: 'bulk import: importer peak RSS',
      unit: 'MiB',
      kept: imported.peakRssBytes / MIB,
      bare: null,
      ratio: null,
    });
    rows.push({
      measure: 'bulk import: importer RSS at the end ÷ at 10 %',
      unit: 'ratio',
      kept: imported.rssGrowth,
      bare: null,
      ratio: null,
    });
  }
  return rows;
}

/** The floor's columns of a row: absent where the floor was not measured. */
function versusFloor(floor: number | undefined, keptOverFloor: number | undefined): Partial<ReportRow> {
  if (floor === undefined) return {};
  return { floor, keptOverFloor: floor === 0 || keptOverFloor === undefined ? null : keptOverFloor };
}

export function formatTable(rows: ReportRow[]): string {
  const table = new Table({ head: ['measure', 'unit', 'Kept', 'bare', 'Kept ÷ bare', 'floor', 'Kept ÷ floor'] });
  const times = (ratio: number | null | undefined) =>
    ratio === null || ratio === undefined ? '' : `${format(ratio)}×`;
  for (const row of rows) {
    table.push([
      row.measure,
      row.unit,
      format(row.kept),
      format(row.bare),
      times(row.ratio),
      row.floor === undefined ? '' : format(row.floor),
      times(row.keptOverFloor),
    ]);
  }
  return table.toString();
}

function format(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 10 ? 1 : 2);
}
