import { SingleBar } from 'cli-progress';
import { runImport, type ImportSummary } from '../../import/run-import';
import type { EventTimeBounds } from '../../common/events';
import type { KeptClient } from '../kept-client';

export interface ImportCommandOptions {
  concurrency: number;
  stateFile?: string;
  rejectsFile?: string;
  sendOutreach?: boolean;
  json?: boolean;
  timeBounds?: EventTimeBounds;
}

/**
 * `kept import <file>`: a progress bar on a terminal (stderr, so --json output stays clean),
 * Ctrl-C stops after the batches in flight and keeps the progress for the next run.
 */
export async function importCommand(
  kept: KeptClient,
  file: string,
  options: ImportCommandOptions,
): Promise<ImportSummary> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format: 'import [{bar}] {percentage}% | {value}/{total} events | {eta_formatted} left',
        stream: process.stderr,
      })
    : undefined;
  try {
    return await runImport({
      file,
      kept,
      concurrency: options.concurrency,
      stateFile: options.stateFile ?? `${file}.import-state.json`,
      rejectsFile: options.rejectsFile ?? `${file}.rejects.jsonl`,
      sendOutreach: options.sendOutreach ?? false,
      timeBounds: options.timeBounds,
      signal: abort.signal,
      onPlanned: (total, done) => bar?.start(total, done),
      onProgress: (events) => bar?.increment(events),
    });
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function formatImportSummary(summary: ImportSummary): string {
  const lines = [
    `${summary.complete ? 'imported' : summary.interrupted ? 'interrupted' : 'incomplete'}: ${summary.file}`,
    `  rows ${summary.rows}: ${summary.validEvents} valid, ${summary.rejectedRows} rejected; ${summary.customers} customers`,
    `  this run: ${summary.eventsSent} events sent (${summary.eventsApplied} applied, ${summary.duplicates} already known) in ${(summary.durationMs / 1000).toFixed(1)} s, ${summary.eventsPerSecond} events/s`,
  ];
  if (summary.eventsAlreadyImported)
    lines.push(`  skipped ${summary.eventsAlreadyImported} events imported by an earlier run`);
  if (summary.rejectsFile) {
    lines.push(`  rejected rows (all in ${summary.rejectsFile}):`);
    lines.push(...summary.rejectedSample.map((row) => `    line ${row.line}: ${row.reason}`));
  }
  for (const failed of summary.failedCustomers) lines.push(`  FAILED ${failed.journeyId}: ${failed.error}`);
  if (!summary.complete) lines.push('  run the same command again to resume');
  return lines.join('\n');
}
