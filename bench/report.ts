import Table from 'cli-table3';
import type { HeapResult } from './heap';
import type { ImportBenchResult } from './import-bench';
import { percentile } from './stats';
import type { SystemResult } from './run-system';

/**
 * The bench's table: one row per measure, Kept and bare side by side, and how many times
 * Kept's cost is the baseline's (for rates: how many times slower; for costs: how many times
 * more). Values are numbers; `--json` prints the same rows.
 */
export interface ReportRow {
  measure: string;
  unit: string;
  kept: number | null;
  bare: number | null;
  /** Kept's cost ÷ bare's: above 1 is worse. */
  ratio: number | null;
}

export interface BenchResults {
  kept: SystemResult;
  bare: SystemResult;
  keptHeap: HeapResult;
  bareHeap: HeapResult;
  import?: ImportBenchResult;
}

const MIB = 1024 * 1024;

export function reportRows(results: BenchResults): ReportRow[] {
  const { kept, bare } = results;
  const rows: ReportRow[] = [];
  const rate = (measure: string, k: number, b: number) =>
    rows.push({ measure, unit: 'events/s', kept: k, bare: b, ratio: b / k });
  const cost = (measure: string, unit: string, k: number, b: number) =>
    rows.push({ measure, unit, kept: k, bare: b, ratio: b === 0 ? null : k / b });

  for (const [label, key] of [
    ['new customer (order.placed)', 'newCustomers'],
    ['existing journey (shipment.dispatched)', 'existingCustomers'],
  ] as const) {
    rate(`ingest ${label}, acknowledged`, kept[key].acknowledgedPerSecond, bare[key].acknowledgedPerSecond);
    rate(`ingest ${label}, settled`, kept[key].settledPerSecond, bare[key].settledPerSecond);
    cost(`client round trip p50, ${label}`, 'ms', kept[key].roundTripP50Ms, bare[key].roundTripP50Ms);
    cost(`client round trip p99, ${label}`, 'ms', kept[key].roundTripP99Ms, bare[key].roundTripP99Ms);
    cost(`server + worker CPU per event, ${label}`, 'ms', kept[key].cpuMsPerEvent, bare[key].cpuMsPerEvent);
    cost(`  of which the worker, ${label}`, 'ms', kept[key].workerCpuMsPerEvent, bare[key].workerCpuMsPerEvent);
  }
  for (const type of ['order.placed', 'shipment.dispatched'] as const) {
    const k = kept.perEvent[type];
    const b = bare.perEvent[type];
    cost(`${type}: workflows started`, 'per event', k.workflows, b.workflows);
    cost(`${type}: workflow tasks`, 'per event', k.workflowTasks, b.workflowTasks);
    cost(`${type}: activities`, 'per event', k.activities, b.activities);
    cost(`${type}: markers (local activities, patches)`, 'per event', k.localActivities, b.localActivities);
    cost(`${type}: history events`, 'per event', k.historyEvents, b.historyEvents);
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
    cost(`worker GC pauses, share of its life`, '%', k.gcShare * 100, b.gcShare * 100);
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

export function formatTable(rows: ReportRow[]): string {
  const table = new Table({ head: ['measure', 'unit', 'Kept', 'bare', 'Kept ÷ bare'] });
  for (const row of rows) {
    table.push([
      row.measure,
      row.unit,
      format(row.kept),
      format(row.bare),
      row.ratio === null ? '' : `${format(row.ratio)}×`,
    ]);
  }
  return table.toString();
}

function format(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 10 ? 1 : 2);
}
