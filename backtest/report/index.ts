/** The backtest report: from a run's capture to report.json, report.html, the terminal summary and comparisons. */
export { buildReport } from './build';
export { compareReports, renderComparisonHtml, renderComparisonTerminal, type ReportComparison } from './compare';
export { readReportFile, writeComparisonFiles, writeReportFiles } from './files';
export { renderHtml } from './html';
export { backtestReportSchema, type BacktestReport } from './schema';
export { renderTerminal } from './terminal';
