import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeGeneratedHistory } from '../examples/generate-history';
import { generateHistory } from '../examples/history-generator/generate';
import type { TruthOrder } from '../examples/history-generator/truth';
import { runBacktest } from '../backtest/run-backtest';
import { buildReport } from '../backtest/report/build';
import { listCapturedMail } from '../mail/mailbox';
import { ANTICIPATION_HISTORY } from './helpers/anticipation-history';

/**
 * Issue 12, "Done when" (backtest): the learned late-delivery risk, judged by the backtest on a
 * generated history where the carrier reports NO delay, so only the learned risk can warn.
 *
 * The history (helpers/anticipation-history.ts): ~50 customers over 120 days; promises 5–9 days
 * after purchase; transit a heavy-tailed mixture: 92 % of parcels log-normal with median 2 days
 * and sigma 0.3 (90 % within 1.2–3.3 days), 8 % held up around 12 days; about 8 % of orders are
 * late. Body sigma 0.3, not 0.2 as before: at 0.2 no on-time parcel was still out the day before
 * its promise, so the day-before rule could not raise a false alarm — unlike real histories
 * (issue 12: ~7 % late, the day-before rule "with most notices correct", not all).
 *
 * Warm-up: the first 30 of the 120 days are replayed and learned from (the brand statistics
 * fill up, as after `kept import` of a brand's past) but not scored: `runBacktest({ scoreFrom })`,
 * for Kept and both baselines alike. Kept's shipped settings (delivery.at-risk v4): risk 0.65,
 * the cold-start blend (the default distribution as a prior of 20 deliveries) and notices
 * moved before quiet hours rather than deferred past them (patch antic2-late-notice-plan).
 *
 * Measured (2026-12-02, 346 s on the shared 2-core machine; allow 25 min when loaded): 11 late
 * of the 143 orders scored after the warm-up, all 11 warned before the promise, 1 false alarm
 * (recall 1.00, precision 0.92), median lead 1.37 days — as the offline model predicted (0.92 /
 * 1.37 d). Day-before baseline: 1.00 / 0.92 (1 false alarm) / 1.00 day: Kept dominates it. The
 * dispatch baseline noticed nothing (no dispatch here is later than promise − median transit).
 *
 * Targets, counted on notices sent BEFORE the promised date: recall ≥ 0.9, precision ≥ 0.7,
 * median lead ≥ 1 day; and Kept Pareto-dominates each baseline on the same history: recall ≥
 * the baseline's, precision ≥ the baseline's (no margin), and a strictly longer median lead.
 * Recall and precision are re-counted here from the captured mail (Message-ID → order),
 * independently of the report's code, and the report's own verdict line must agree.
 *
 * Honest limits: one seed is not a claim. test/anticipation-offline.test.ts runs the same rule
 * offline (quiet hours included) over 16 seeds of this generator: pooled it dominates both
 * baselines (precision 0.835 vs 0.817, median lead 1.11 vs 1.00 d), on its own on 7 of the 16
 * seeds; the margin is thin, and with a warm-up of 40 days or more this seed is lost (the
 * day-before rule's only false alarm falls in the warm-up, Kept's does not).
 */
const dir = mkdtempSync(path.join(tmpdir(), 'kept-anticipation-bt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const workflowBundle = { codePath: process.env.KEPT_TEST_WORKFLOW_BUNDLE! };
const DAY_MS = 86_400_000;
/** Warm-up: the first 30 days are replayed and learned from (as an imported past), not scored. */
const WARM_UP_DAYS = 30;

it('warns of late parcels before the promise, better than the baselines, as the mail shows', async () => {
  const generated = generateHistory(ANTICIPATION_HISTORY);
  const files = writeGeneratedHistory(generated, dir);
  const mailDir = path.join(dir, 'mail');
  const scoreFrom = new Date(Date.parse(ANTICIPATION_HISTORY.start!) + WARM_UP_DAYS * DAY_MS).toISOString();
  const capture = await runBacktest({ historyFile: files.history, workflowBundle, mailDir, scoreFrom });
  const report = buildReport(capture);
  const quality = report.predictions.lateDelivery;

  // Independently, from the mail: which orders got a late-delivery notice, and when (history time).
  const sentAt = new Map(capture.messages.map((message) => [message.messageId, Date.parse(message.sentAt)]));
  const notices = listCapturedMail(mailDir)
    .map((mail) => ({ key: decodeMessageId(mail.messageId ?? ''), at: sentAt.get(mail.messageId ?? undefined) }))
    .filter((mail) => /\/contact\/delivery\.(late|at-risk)\//.test(mail.key));
  const firstNoticeAt = (order: TruthOrder): number | undefined => {
    const times = notices
      .filter((mail) => new RegExp(`/contact/delivery\\.(late|at-risk)/${order.orderId}[/:]`).test(mail.key))
      .map((mail) => mail.at!);
    return times.length ? Math.min(...times) : undefined;
  };
  const scored = generated.truth.orders.filter(
    (order) => order.deliveredInHistory && Date.parse(order.placedAt) >= Date.parse(scoreFrom),
  );
  const late = scored.filter((order) => order.late);
  const beforePromise = (order: TruthOrder) => {
    const at = firstNoticeAt(order);
    return at !== undefined && at < Date.parse(order.promisedAt) ? at : undefined;
  };
  const truePositives = late.filter((order) => beforePromise(order) !== undefined);
  const falsePositives = scored.filter((order) => !order.late && firstNoticeAt(order) !== undefined);
  const leads = truePositives.map((order) => (Date.parse(order.promisedAt) - beforePromise(order)!) / DAY_MS);
  const recall = truePositives.length / late.length;
  const precision = truePositives.length / (truePositives.length + falsePositives.length);

  // The measured figures, for the header above when the history or the rule changes.
  console.log(
    `late ${late.length} of ${scored.length}; Kept recall ${recall.toFixed(2)}, precision ${precision.toFixed(2)} ` +
      `(${falsePositives.length} false alarms), median lead ${median(leads).toFixed(2)} d\n` +
      quality.baselines.map((baseline) => baseline.versusKept.summary).join('\n'),
  );
  expect(late.length / scored.length).toBeGreaterThan(0.04);
  expect(late.length / scored.length).toBeLessThan(0.12);
  expect(recall).toBeGreaterThanOrEqual(0.9);
  expect(precision).toBeGreaterThanOrEqual(0.7);
  expect(median(leads)).toBeGreaterThanOrEqual(1);
  expect(quality.scoredFrom).toBe(scoreFrom);
  // The report counts the same notices (every one of them came before its promise here).
  expect(quality.recall).toBeCloseTo(recall, 10);
  expect(quality.precision).toBeCloseTo(precision, 10);
  expect(quality.leadTimeDays!.median).toBeGreaterThanOrEqual(1);
  // Better than each baseline the report scored on the same history: at least its recall, and
  // a longer median lead (a baseline that noticed nothing has no lead: any lead beats it).
  expect(quality.baselines.map((baseline) => baseline.id).sort()).toEqual([
    'dispatched-late',
    'undelivered-day-before',
  ]);
  // Pareto dominance, re-checked from the mail: at least the baseline's recall, at least its
  // precision (a rule that noticed nothing has none), and a strictly longer median lead.
  for (const baseline of quality.baselines) {
    expect(recall).toBeGreaterThanOrEqual(baseline.recall ?? 0);
    expect(precision).toBeGreaterThanOrEqual(baseline.precision ?? 0);
    expect(median(leads)).toBeGreaterThan(baseline.leadTimeDays?.median ?? -Infinity);
    // ... and the report says so, in its one line per baseline.
    expect(baseline.versusKept.dominates).toBe(true);
    expect(baseline.versusKept.summary).toMatch(new RegExp(`^Kept dominates ${baseline.id}:`));
  }
}, 1_500_000);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The idempotency key a Message-ID carries: `<key@kept>`, with characters outside atext written =XX. */
function decodeMessageId(messageId: string): string {
  return messageId
    .replace(/^<|@kept>$/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
