import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeIssues } from '../../common/events';
import { renderComparisonHtml, type ReportComparison } from './compare';
import { renderHtml } from './html';
import { backtestReportSchema, REPORT_VERSION, type BacktestReport } from './schema';

/** Writes report.json (re-readable by readReportFile, for --compare) and a self-contained report.html. */
export async function writeReportFiles(
  report: BacktestReport,
  outDir: string,
): Promise<{ json: string; html: string }> {
  await mkdir(outDir, { recursive: true });
  const json = path.join(outDir, 'report.json');
  const html = path.join(outDir, 'report.html');
  await writeFile(json, JSON.stringify(report, null, 2) + '\n');
  await writeFile(html, renderHtml(report));
  return { json, html };
}

/** Reads a report.json back, validated: a file from another version or a hand-edited one is refused with the field. */
export async function readReportFile(file: string): Promise<BacktestReport> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not a readable report.json (${(error as Error).message})`, { cause: error });
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== REPORT_VERSION)
    throw new Error(
      `${file}: a version-${version} report; this Kept reads version ${REPORT_VERSION}: run the backtest again to compare`,
    );
  const result = backtestReportSchema.safeParse(value);
  if (!result.success) throw new Error(`${file}: not a backtest report: ${describeIssues(undefined, result.error)}`);
  return result.data;
}

/** Writes comparison.html (self-contained) and comparison.json next to each other. */
export async function writeComparisonFiles(
  comparison: ReportComparison,
  outDir: string,
): Promise<{ json: string; html: string }> {
  await mkdir(outDir, { recursive: true });
  const json = path.join(outDir, 'comparison.json');
  const html = path.join(outDir, 'comparison.html');
  await writeFile(json, JSON.stringify(comparison, null, 2) + '\n');
  await writeFile(html, renderComparisonHtml(comparison));
  return { json, html };
}
