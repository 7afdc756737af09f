export { buildReport } from './build';
export { backtestReportSchema, type BacktestReport } from './schema';
