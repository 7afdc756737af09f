import type { GenerateOptions } from '../../examples/history-generator/generate';

/**
 * The generated history issue 12's late-delivery notices are judged on, shared by the full
 * backtest (anticipation-backtest.test.ts) and its fast offline guard (anticipation-offline.test.ts)
 * so the two can never drift apart. Why these numbers: see anticipation-backtest.test.ts.
 */
export const ANTICIPATION_HISTORY: GenerateOptions = {
  customers: 50,
  seed: 'anticipate',
  days: 120,
  start: '2025-09-01T00:00:00.000Z',
  promisedDays: { min: 5, max: 9 },
  transitDays: {
    distribution: 'log-normal-mixture',
    median: 2,
    sigma: 0.3,
    tail: { share: 0.08, median: 12, sigma: 0.3 },
  },
  delayReportedShare: 0,
  falseAlarmShare: 0,
};

/**
 * The seeds the offline guard pools over: the backtest's own and 15 others of the same
 * generator settings, so a setting that wins on one history by luck cannot pass.
 */
export const ANTICIPATION_SEEDS: readonly string[] = [
  ANTICIPATION_HISTORY.seed,
  ...Array.from({ length: 15 }, (_, index) => `seed-${index + 1}`),
];
