import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import {
  buildReport,
  compareReports,
  renderComparisonTerminal,
  renderTerminal,
  writeComparisonFiles,
  writeReportFiles,
} from '../../backtest/report';
import type { BacktestCapture } from '../../backtest/capture';
import { parseBacktestOptions, runBacktestCommand } from './backtest-command';
import { printJson } from './output';

/**
 * `kept backtest`: runs the history (twice with --compare), writes report.json and
 * report.html to --out (each run in a folder of its own, plus comparison.json/.html, when
 * comparing) and prints the summary table, or the report as JSON. The SDK's runtime is quiet
 * (warnings from the TS side, errors from the core) and leaves SIGINT/SIGTERM to the command,
 * which stops its own run in order.
 */
export async function backtestAction(history: string, raw: Record<string, unknown>): Promise<void> {
  const options = parseBacktestOptions(raw);
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
  const runs = await runBacktestCommand(history, options, prebuiltBundle());
  await mkdir(options.out, { recursive: true });
  for (const run of runs) {
    reportRejected(run.capture);
    await writeFile(
      path.join(options.out, `capture${runs.length > 1 ? `-${run === runs[0] ? 'a' : 'b'}` : ''}.json`),
      JSON.stringify(run.capture) + '\n',
    );
  }
  const reports = runs.map((run) => buildReport(run.capture));
  const [first, second] = reports;
  if (!second) {
    const files = await writeReportFiles(first!, options.out);
    if (options.json) return printJson(first);
    console.log(renderTerminal(first!));
    console.log(
      `\nreport: ${files.html}\ncaptured mail: ${path.join(options.out, 'mail')} (<id>.eml and <id>.json per message)`,
    );
    return;
  }
  const labels = { a: runs[0]!.configDir, b: runs[1]!.configDir };
  await writeReportFiles(first!, path.join(options.out, 'a'));
  await writeReportFiles(second, path.join(options.out, 'b'));
  const comparison = compareReports(first!, second, labels);
  const files = await writeComparisonFiles(comparison, options.out);
  if (options.json) return printJson(comparison);
  console.log(renderComparisonTerminal(comparison));
  console.log(
    `\ncomparison: ${files.html}; each run's report in ${path.join(options.out, 'a')} and ${path.join(options.out, 'b')}`,
  );
}

/**
 * `KEPT_WORKFLOW_BUNDLE`: a workflow bundle built beforehand (bundleWorkflowCode), to skip the
 * seconds each run spends bundling `workflows/` (tests and repeated runs).
 */
function prebuiltBundle(): { codePath: string } | undefined {
  const codePath = z
    .string()
    .min(1)
    .optional()
    .parse(process.env.KEPT_WORKFLOW_BUNDLE || undefined);
  return codePath ? { codePath } : undefined;
}

/** Rejected lines on stderr, as `kept import` lists them (the report counts them). */
function reportRejected(capture: BacktestCapture): void {
  const { rejected, failedEvents = [] } = capture;
  for (const row of rejected.slice(0, 20)) console.error(`line ${row.line}: ${row.error}`);
  if (rejected.length > 20) console.error(`... and ${rejected.length - 20} more rejected lines`);
  for (const event of failedEvents.slice(0, 20))
    console.error(`event ${event.eventId} (customer ${event.customerId}) refused: ${event.error}`);
}
