/**
 * The backtest in the client library: what Kept would have done on a history, replayed
 * through the real workflows in virtual time (`runBacktest`), and the report built from it.
 *
 *   const capture = await runBacktest({ historyFile: 'history.jsonl', configDir: 'config' });
 *   const report = buildReport(capture);
 */
export {
  BacktestAbortedError,
  EmptyHistoryError,
  runBacktest,
  type BacktestOptions,
  type BacktestProgress,
  type BacktestWhere,
} from '../backtest/run-backtest';
export type { BacktestCapture } from '../backtest/capture';
export { buildReport, compareReports, renderTerminal, writeReportFiles, type BacktestReport } from '../backtest/report';
