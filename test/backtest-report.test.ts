import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BacktestCapture, CapturedDecision, CapturedMessage, CapturedPromise } from '../backtest/capture';
import {
  buildReport,
  compareReports,
  readReportFile,
  renderComparisonHtml,
  renderComparisonTerminal,
  renderHtml,
  renderTerminal,
  writeReportFiles,
} from '../backtest/report';
import { keptVersus } from '../backtest/report/dominance';
import { lifecycleEventSchema, type LifecycleEvent } from '../common/events';
import { writeGeneratedHistory } from '../examples/generate-history';
import { generateHistory } from '../examples/history-generator/generate';
import { historyTruthSchema, type HistoryTruth, type TruthOrder } from '../examples/history-generator/truth';

/**
 * The backtest report, from a capture to figures, HTML and comparisons: pure code, tested
 * without servers. The capture is built by hand from a generated history and a planned set
 * of messages (right, wrong and missing notices, ...); every expected figure is computed
 * here from the generator's truth.json and the plan, never from the report's own code.
 */
const DAY_MS = 86_400_000;
const addDays = (instant: string, days: number): string => new Date(Date.parse(instant) + days * DAY_MS).toISOString();
const byOrderId = (a: TruthOrder, b: TruthOrder) =>
  a.brand.localeCompare(b.brand) || a.orderId.localeCompare(b.orderId);

const generated = generateHistory({ customers: 150, seed: 'report-test' });
const truth: HistoryTruth = historyTruthSchema.parse(JSON.parse(JSON.stringify(generated.truth)));
const events: LifecycleEvent[] = generated.events.map((event) => lifecycleEventSchema.parse(event));
const historyEnd = truth.parameters.historyEnd;

let messageCount = 0;
function message(
  fields: Partial<CapturedMessage> & Pick<CapturedMessage, 'brand' | 'customerId' | 'template' | 'sentAt'>,
): CapturedMessage {
  messageCount += 1;
  const idempotencyKey = `kept/${fields.brand}/customer/${fields.customerId}/${fields.template}/${messageCount}`;
  return {
    idempotencyKey,
    recipientKind: 'customer',
    channel: 'email',
    category: 'service',
    isTask: false,
    messageId: `<${messageCount}.backtest@kept.example>`,
    ...fields,
  };
}

function withoutIds(captured: CapturedMessage): Omit<CapturedMessage, 'idempotencyKey' | 'messageId'> {
  const { idempotencyKey: _key, messageId: _id, ...rest } = captured;
  return rest;
}

/** Quantile by linear interpolation between order statistics: written out again here on purpose. */
function interpolatedQuantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const lower = sorted[Math.floor(rank)]!;
  const upper = sorted[Math.ceil(rank)]!;
  return lower + (rank - Math.floor(rank)) * (upper - lower);
}

// --- the plan: which messages Kept "sent" ----------------------------------------------

const delivered = truth.orders.filter((order) => order.deliveredInHistory).sort(byOrderId);
const lateOrders = delivered.filter((order) => order.late);
const onTimeOrders = delivered.filter((order) => !order.late);
const undelivered = truth.orders.filter((order) => !order.deliveredInHistory).sort(byOrderId);

/** Late orders: two in three get a notice, lead times from −1 to +5 days; the third is missed. */
const noticed = lateOrders.filter((_, index) => index % 3 !== 2);
const leadDays = (index: number) => (index % 7) - 1;
const notices = noticed.map((order, index) =>
  message({
    brand: order.brand,
    customerId: order.customerId,
    template: 'delivery.late',
    playbook: 'delivery.at-risk',
    orderId: order.orderId,
    sentAt: addDays(order.promisedAt, -leadDays(index)),
  }),
);
/** A second, later notice for an order already noticed: only the first counts. */
const repeatNotice = message({ ...withoutIds(notices[3]!), sentAt: addDays(notices[3]!.sentAt, 3) });
/** Every tenth on-time order gets a notice: false alarms. */
const falseAlarms = onTimeOrders.filter((_, index) => index % 10 === 0);
const falseNotices = falseAlarms.map((order) =>
  message({
    brand: order.brand,
    customerId: order.customerId,
    template: 'delivery.late',
    playbook: 'delivery.late',
    orderId: order.orderId,
    sentAt: addDays(order.promisedAt, -1),
  }),
);
/** Two orders the history never shows delivered: noticed, but neither right nor wrong. */
const unknownNotices = undelivered.slice(0, 2).map((order) =>
  message({
    brand: order.brand,
    customerId: order.customerId,
    template: 'delivery.late',
    orderId: order.orderId,
    sentAt: addDays(order.promisedAt, -1),
    isTask: true,
    channel: 'phone',
  }),
);

const reorderers = truth.customers.filter((customer) => (customer.reorders?.orderDates.length ?? 0) >= 3);
const replenishPlan = [
  { customer: reorderers[0]!, sentAt: addDays(reorderers[0]!.reorders!.orderDates[1]!, -4), offset: -4 },
  { customer: reorderers[1]!, sentAt: addDays(reorderers[1]!.reorders!.orderDates[1]!, 1), offset: 1 },
  { customer: reorderers[2]!, sentAt: addDays(reorderers[2]!.reorders!.orderDates.at(-1)!, 10), offset: null },
];
const reminders = replenishPlan.map(({ customer, sentAt }) =>
  message({
    brand: customer.brand,
    customerId: customer.customerId,
    template: 'replenish',
    playbook: 'replenish',
    category: 'proactive',
    sku: customer.reorders!.sku,
    sentAt,
  }),
);

const resolvedCases = truth.cases.filter((entry) => entry.resolvedAt[0]! < historyEnd);
const fixChecks = resolvedCases.map((entry) =>
  message({
    brand: entry.brand,
    customerId: entry.customerId,
    template: 'case.fix-check',
    playbook: 'case.fix-check',
    caseId: entry.caseId,
    sentAt: addDays(entry.resolvedAt[0]!, 1),
  }),
);
const checkins = delivered
  .filter((order) => !order.consumable)
  .slice(0, 40)
  .map((order) =>
    message({
      brand: order.brand,
      customerId: order.customerId,
      template: 'setup.checkin',
      playbook: 'setup.checkin',
      orderId: order.orderId,
      sku: order.sku,
      sentAt: addDays(order.deliveredAt, 3),
    }),
  );

/** One customer hears from us five times in five days. */
const pestered = truth.customers[0]!;
const burst = [0, 1, 2, 3, 4].map((day) =>
  message({
    brand: pestered.brand,
    customerId: pestered.customerId,
    template: 'usage.help',
    playbook: 'usage.help',
    sentAt: addDays(truth.parameters.historyStart, 30 + day),
  }),
);
const staffMessage = message({
  brand: pestered.brand,
  customerId: pestered.customerId,
  recipientKind: 'team',
  template: 'promise.escalation',
  sentAt: addDays(truth.parameters.historyStart, 31),
});

const messages = [
  ...notices,
  repeatNotice,
  ...falseNotices,
  ...unknownNotices,
  ...reminders,
  ...fixChecks,
  ...checkins,
  ...burst,
  staffMessage,
];

function decision(rule: string, kind: 'defer' | 'suppress', playbook: string, index: number): CapturedDecision {
  const customer = truth.customers[index]!;
  return {
    idempotencyKey: `decision-${playbook}-${rule}-${index}`,
    brand: customer.brand,
    customerId: customer.customerId,
    category: 'service',
    template: playbook,
    playbook,
    decision: kind,
    rule,
    decidedAt: addDays(truth.parameters.historyStart, 20 + index),
  };
}
const decisions: CapturedDecision[] = [
  ...[1, 2, 3].map((i) => decision('cooldown', 'suppress', 'usage.tips', i)),
  ...[4, 5].map((i) => decision('cap', 'suppress', 'usage.tips', i)),
  decision('consent', 'suppress', 'warranty.expiring', 6),
  ...[7, 8, 9, 10].map((i) => decision('quiet-hours', 'defer', 'delivery.late', i)),
];

function promise(outcome: CapturedPromise['outcome'], index: number, dueAt: string): CapturedPromise {
  const customer = truth.customers[index]!;
  return {
    promiseId: `p-${index}`,
    brand: customer.brand,
    customerId: customer.customerId,
    kind: index % 2 === 0 ? 'delivery' : 'callback',
    madeAt: truth.parameters.historyStart,
    dueAt,
    outcome,
  };
}
const early = addDays(truth.parameters.historyStart, 10);
const afterEnd = addDays(historyEnd, 10);
const promises: CapturedPromise[] = [
  promise('kept', 1, early),
  promise('kept', 2, early),
  promise('kept', 3, early),
  promise('kept-late', 4, early),
  promise('breached', 5, early),
  promise('renegotiated', 6, early),
  promise('cancelled', 7, early),
  promise('open', 8, early),
  promise('open', 9, early),
  promise('open', 10, afterEnd),
];

function captureOf(captured: CapturedMessage[], overrides: Partial<BacktestCapture['run']> = {}): BacktestCapture {
  return {
    run: {
      historyFile: 'examples/generated/history.jsonl',
      configDir: 'config',
      elapsedMs: 61_000,
      virtualStart: truth.parameters.historyStart,
      virtualEnd: historyEnd,
      weeklyCaps: { nordhem: 3, 'maison-laurent': 3 },
      ...overrides,
    },
    events,
    rejected: [{ line: 7, error: 'order.placed: items: Too small' }],
    decisions,
    messages: captured,
    promises,
  };
}

const report = buildReport(captureOf(messages));

describe('backtest report: late-delivery notices scored against the history', () => {
  it('finds late, on-time and unknown orders exactly as the generator wrote them', () => {
    const quality = report.predictions.lateDelivery;
    expect(quality.orders).toBe(truth.orders.length);
    expect(quality.late.count).toBe(lateOrders.length);
    expect(quality.onTime).toBe(onTimeOrders.length);
    expect(quality.unknown.count).toBe(undelivered.length);
    expect(lateOrders.length).toBeGreaterThan(10);
  });

  it('computes recall and precision equal to those computed from truth.json and the planned mail', () => {
    const quality = report.predictions.lateDelivery;
    const truePositives = noticed.length;
    expect(quality.truePositives.count).toBe(truePositives);
    expect(quality.missed.count).toBe(lateOrders.length - truePositives);
    expect(quality.falsePositives.count).toBe(falseAlarms.length);
    expect(quality.noticedUnknown.count).toBe(2);
    expect(quality.recall).toBeCloseTo(truePositives / lateOrders.length, 10);
    expect(quality.precision).toBeCloseTo(truePositives / (truePositives + falseAlarms.length), 10);
    // Unknown orders are not false positives: precision would be lower if they were counted.
    expect(quality.precision).not.toBeCloseTo(truePositives / (truePositives + falseAlarms.length + 2), 5);
  });

  it('measures lead time (promised − first notice) with median, p10 and p90', () => {
    const leads = noticed.map((_, index) => leadDays(index));
    const quality = report.predictions.lateDelivery.leadTimeDays!;
    expect(quality.median).toBeCloseTo(interpolatedQuantile(leads, 0.5), 6);
    expect(quality.p10).toBeCloseTo(interpolatedQuantile(leads, 0.1), 6);
    expect(quality.p90).toBeCloseTo(interpolatedQuantile(leads, 0.9), 6);
    const edges = [-Infinity, 0, 1, 2, 3, 5, 7, Infinity];
    const expectedBins = edges
      .slice(0, -1)
      .map((low, i) => leads.filter((lead) => lead >= low && lead < edges[i + 1]!).length);
    expect(report.predictions.lateDelivery.leadTimeHistogram.map((bin) => bin.count)).toEqual(expectedBins);
  });

  it('gives example customer ids and Message-IDs for the missed and the false alarms', () => {
    const quality = report.predictions.lateDelivery;
    const missedCustomers = new Set(lateOrders.filter((_, i) => i % 3 === 2).map((order) => order.customerId));
    for (const example of quality.missed.examples) expect(missedCustomers.has(example.customerId)).toBe(true);
    const falseIds = new Set(falseNotices.map((notice) => notice.messageId));
    expect(quality.falsePositives.examples.length).toBeGreaterThan(0);
    for (const example of quality.falsePositives.examples) expect(falseIds.has(example.messageId)).toBe(true);
  });
});

describe('backtest report: a warm-up (scoreFrom) scores only orders placed after it', () => {
  const scoreFrom = addDays(truth.parameters.historyStart, 60);
  const placedAfter = (order: TruthOrder) => Date.parse(order.placedAt) >= Date.parse(scoreFrom);
  const warmed = buildReport(captureOf(messages, { scoreFrom }));
  const quality = warmed.predictions.lateDelivery;

  it('counts Kept’s notices on the orders placed from the warm-up instant on, from truth.json', () => {
    const lateAfter = lateOrders.filter(placedAfter);
    const noticedAfter = noticed.filter(placedAfter);
    const falseAfter = falseAlarms.filter(placedAfter);
    expect(lateAfter.length).toBeGreaterThan(3);
    expect(lateAfter.length).toBeLessThan(lateOrders.length);
    expect(quality.late.count).toBe(lateAfter.length);
    expect(quality.onTime).toBe(onTimeOrders.filter(placedAfter).length);
    expect(quality.truePositives.count).toBe(noticedAfter.length);
    expect(quality.falsePositives.count).toBe(falseAfter.length);
    expect(quality.precision).toBeCloseTo(noticedAfter.length / (noticedAfter.length + falseAfter.length), 10);
    expect(quality.warmUpOrders).toBe(truth.orders.filter((order) => !placedAfter(order)).length);
  });

  it('scores the baselines on the same orders, and says so in the report', () => {
    const lateAfter = lateOrders.filter(placedAfter).length;
    for (const baseline of quality.baselines) {
      expect(baseline.truePositives.count + baseline.missed.count).toBe(lateAfter);
    }
    expect(quality.scoredFrom).toBe(scoreFrom);
    expect(warmed.run.scoreFrom).toBe(scoreFrom);
    expect(quality.rule).toContain(`orders placed before ${scoreFrom} are not scored`);
    expect(renderTerminal(warmed)).toContain(`scored from ${scoreFrom}`);
    // Without a warm-up nothing is left out.
    expect(report.predictions.lateDelivery.scoredFrom).toBeUndefined();
  });
});

describe('backtest report: replenishment, fix-held checks and setup check-ins', () => {
  it('says how many days before or after the actual re-order each reminder went out', () => {
    const quality = report.predictions.replenishment;
    expect(quality.reminders).toBe(3);
    expect(quality.withReorder.count).toBe(2);
    expect(quality.noReorder.count).toBe(1);
    expect(quality.noReorder.examples[0]!.customerId).toBe(reorderers[2]!.customerId);
    expect(quality.afterReorder.count).toBe(1);
    expect(quality.afterReorder.examples[0]!.customerId).toBe(reorderers[1]!.customerId);
    expect(quality.beforeReorder).toBe(1);
    expect(quality.offsetDays!.p10).toBeCloseTo(interpolatedQuantile([-4, 1], 0.1), 6);
    expect(quality.offsetDays!.median).toBeCloseTo(-1.5, 6);
  });

  it('counts fix-held checks followed by a reopening or a new case within 30 days, from truth.json', () => {
    const openings = (customerId: string) =>
      truth.cases
        .filter((entry) => entry.customerId === customerId)
        .flatMap((entry) => [entry.reportedAt, ...entry.reopenedAt])
        .filter((at) => at < historyEnd);
    const followed = fixChecks.filter((check) =>
      openings(check.customerId).some((at) => at > check.sentAt && at <= addDays(check.sentAt, 30)),
    );
    const quality = report.predictions.fixCheck;
    expect(quality.messages).toBe(fixChecks.length);
    expect(quality.caseFollowed.count).toBe(followed.length);
    expect(followed.length).toBeGreaterThan(0);
    expect(followed.length).toBeLessThan(fixChecks.length);
  });

  it('counts setup check-ins followed by a case within 14 days, from truth.json', () => {
    const followed = checkins.filter((checkin) =>
      truth.cases.some(
        (entry) =>
          entry.customerId === checkin.customerId &&
          [entry.reportedAt, ...entry.reopenedAt].some(
            (at) => at < historyEnd && at > checkin.sentAt && at <= addDays(checkin.sentAt, 14),
          ),
      ),
    );
    expect(report.predictions.setupCheckin.messages).toBe(checkins.length);
    expect(report.predictions.setupCheckin.caseFollowed.count).toBe(followed.length);
  });
});

describe('backtest report: outreach, contacts and promises', () => {
  it('counts suppressed decisions per rule, overall and per playbook', () => {
    expect(report.outreach.totals.suppressedByRule).toEqual({ cap: 2, consent: 1, cooldown: 3 });
    expect(report.outreach.totals.deferred).toBe(4);
    const tips = report.outreach.byPlaybookTemplate.find((row) => row.playbook === 'usage.tips')!;
    expect(tips).toMatchObject({ suppressed: 5, suppressedByRule: { cap: 2, cooldown: 3 }, sent: 0 });
    const lateRow = report.outreach.byPlaybookTemplate.find(
      (row) => row.playbook === 'delivery.late' && row.template === 'delivery.late',
    )!;
    expect(lateRow).toMatchObject({ deferred: 4, sent: falseNotices.length });
    expect(report.outreach.totals.sent + report.outreach.totals.tasks).toBe(messages.length);
    expect(report.outreach.totals.tasks).toBe(unknownNotices.length);
    const perWeek = report.outreach.byWeek.reduce((sum, week) => sum + week.sent + week.tasks, 0);
    expect(perWeek).toBe(messages.length);
  });

  it('finds the most contacted customer and those over the weekly cap, counting customers only', () => {
    const toCustomers = messages.filter((m) => m.recipientKind === 'customer');
    const perCustomer = new Map<string, CapturedMessage[]>();
    for (const m of toCustomers) perCustomer.set(m.customerId, [...(perCustomer.get(m.customerId) ?? []), m]);
    const max = Math.max(...[...perCustomer.values()].map((list) => list.length));
    const mostIn7Days = (list: CapturedMessage[]) =>
      Math.max(
        ...list.map(
          (first) =>
            list.filter(
              (m) =>
                m.category !== 'transactional' &&
                Date.parse(m.sentAt) >= Date.parse(first.sentAt) &&
                Date.parse(m.sentAt) < Date.parse(first.sentAt) + 7 * DAY_MS,
            ).length,
        ),
      );
    const overCap = [...perCustomer.values()].filter((list) => mostIn7Days(list) > 3);

    const contacts = report.contacts;
    expect(contacts.contacts).toBe(toCustomers.length);
    expect(contacts.customersContacted).toBe(perCustomer.size);
    expect(contacts.customersInHistory).toBe(truth.customers.length);
    expect(contacts.max.contacts).toBe(max);
    expect(contacts.maxInSevenDays.contacts).toBeGreaterThanOrEqual(5);
    expect(contacts.overWeeklyCap!.count).toBe(overCap.length);
    expect(contacts.overWeeklyCap!.examples.map((example) => example.customerId)).toContain(pestered.customerId);
    const distributed = contacts.distribution.reduce((sum, bin) => sum + bin.customers, 0);
    expect(distributed).toBe(truth.customers.length);
  });

  it('counts open promises past their due time against the kept-rate', () => {
    const p = report.promises;
    expect(p.made).toBe(10);
    expect(p.openOverdue.count).toBe(2);
    expect(p.outcomes.open.count).toBe(3);
    // kept 3 of: kept 3 + kept late 1 + breached 1 + renegotiated 1 + open overdue 2 (cancelled and not-yet-due left out).
    expect(p.keptRate).toBeCloseTo(3 / 8, 10);
    expect(p.keptRateCounts).toMatch(/open past their due time/);
  });
});

describe('backtest report: files, HTML and terminal', () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const nasty = buildReport({
    ...captureOf(
      [...messages, message({ ...withoutIds(burst[0]!), template: `"><script>alert(2)</script>`, playbook: hostile })],
      { historyFile: `<script>alert("history")</script>.jsonl` },
    ),
    decisions: [...decisions, { ...decisions[0]!, rule: hostile }],
  });

  it('writes report.json that reads back to the same report, and a self-contained report.html', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kept-report-'));
    const files = await writeReportFiles(nasty, dir);
    expect(await readReportFile(files.json)).toEqual(nasty);
    const html = readFileSync(files.html, 'utf8');
    expect(html).toBe(renderHtml(nasty));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<style>');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(3);
    // Nothing fetched from anywhere: no script, no stylesheet link, no URL at all.
    expect(html).not.toMatch(/<script|<link|@import|url\(|https?:\/\//i);
  });

  it('escapes everything taken from the data in report.html', () => {
    const html = renderHtml(nasty);
    expect(html).not.toContain(hostile);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;alert(&quot;history&quot;)&lt;/script&gt;.jsonl');
  });

  it('refuses a report.json that is not a report', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kept-report-'));
    const files = await writeReportFiles(report, dir);
    writeFileSync(files.json, JSON.stringify({ ...report, version: 'one' }));
    await expect(readReportFile(files.json)).rejects.toThrow(/not a backtest report: version/);
  });

  it('refuses a report.json of another version, saying to run the backtest again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kept-report-'));
    const files = await writeReportFiles(report, dir);
    writeFileSync(files.json, JSON.stringify({ ...report, version: 1 }));
    await expect(readReportFile(files.json)).rejects.toThrow(
      /a version-1 report; this Kept reads version 2: run the backtest again/,
    );
  });

  it('reports a run that sent nothing with dashes, not zeros or NaN', () => {
    const quiet = buildReport({ ...captureOf([]), decisions: [], promises: [] });
    expect(quiet.predictions.lateDelivery).toMatchObject({ recall: 0, precision: null, leadTimeDays: null });
    expect(quiet.promises.keptRate).toBeNull();
    expect(quiet.contacts.distribution).toEqual([{ contacts: 0, customers: truth.customers.length }]);
    const text = renderTerminal(quiet) + renderHtml(quiet);
    expect(text).not.toMatch(/NaN|Infinity|undefined|null/);
    expect(renderTerminal(quiet)).toContain('recall 0.00, precision –');
  });

  it('prints a terminal summary with the key figures', () => {
    const text = renderTerminal(report);
    const late = report.predictions.lateDelivery;
    expect(text).toContain(`recall ${late.recall!.toFixed(2)}, precision ${late.precision!.toFixed(2)}`);
    expect(text).toContain(`kept-rate ${(100 * (3 / 8)).toFixed(1)} %`);
    expect(text).toContain('cooldown 3');
  });
});

describe('backtest report: comparing two runs', () => {
  const removed = [notices[1]!, notices[2]!];
  const moved = fixChecks[0]!;
  const added = reorderers.slice(3, 6).map((customer) =>
    message({
      brand: customer.brand,
      customerId: customer.customerId,
      template: 'replenish',
      playbook: 'replenish',
      category: 'proactive',
      sku: customer.reorders!.sku,
      sentAt: addDays(customer.reorders!.orderDates[1]!, -5),
    }),
  );
  /** The same reminder two days earlier: a journey contact's key names its instant, so it gets a new key. */
  const earlierReminder = message({ ...withoutIds(reminders[0]!), sentAt: addDays(reminders[0]!.sentAt, -2) });
  const changed = [
    ...messages.filter((m) => !removed.includes(m) && m !== moved && m !== reminders[0]),
    { ...moved, sentAt: addDays(moved.sentAt, 1) },
    earlierReminder,
    ...added,
  ];
  const b = buildReport(captureOf(changed, { configDir: 'config-b' }));
  const comparison = compareReports(report, b);

  it('lists exactly the messages only one side sent, and the one sent at another time', () => {
    const keys = (list: readonly { idempotencyKey: string }[]) => list.map((m) => m.idempotencyKey).sort();
    expect(keys(comparison.messages.onlyInA)).toEqual(keys([...removed, reminders[0]!]));
    expect(keys(comparison.messages.onlyInB)).toEqual(keys([...added, earlierReminder]));
    expect(keys(comparison.messages.moved)).toEqual([moved.idempotencyKey]);
    expect(comparison.messages.rescheduled).toEqual([
      expect.objectContaining({
        idempotencyKey: reminders[0]!.idempotencyKey,
        idempotencyKeyB: earlierReminder.idempotencyKey,
        sentAtB: earlierReminder.sentAt,
      }),
    ]);
    expect(comparison.messages.same).toBe(messages.length - 4);
    const affected = new Set([...removed, moved, reminders[0]!, ...added].map((m) => m.customerId));
    expect(comparison.messages.customers.map((c) => c.customerId).sort()).toEqual([...affected].sort());
  });

  it('states the differences in figures', () => {
    const truePositivesB = noticed.length - 2;
    expect(comparison.summary).toContain(
      `-2 late-delivery notices (${report.predictions.lateDelivery.noticed} → ${b.predictions.lateDelivery.noticed})`,
    );
    expect(comparison.summary).toContain(`+3 replenishment reminders (3 → 6)`);
    expect(comparison.summary).toContain(
      `recall ${(noticed.length / lateOrders.length).toFixed(2)} → ${(truePositivesB / lateOrders.length).toFixed(2)}`,
    );
    const terminal = renderComparisonTerminal(comparison, 100);
    for (const m of [...removed, ...added, moved, earlierReminder]) expect(terminal).toContain(m.idempotencyKey);
    const html = renderComparisonHtml(comparison);
    for (const m of [...removed, ...added]) expect(html).toContain(m.idempotencyKey);
    expect(html).not.toMatch(/<script|<link|https?:\/\//i);
  });

  it('finds no difference between a run and itself', () => {
    const same = compareReports(report, buildReport(captureOf([...messages].reverse())));
    expect(same.summary).toEqual([]);
    expect(same.messages).toMatchObject({ onlyInA: [], onlyInB: [], moved: [], rescheduled: [], customers: [] });
  });
});

describe('history generator', () => {
  it('writes events that pass the event schema, in occurredAt order, inside the history window', () => {
    const sample = readFileSync(path.resolve(__dirname, '../examples/backtest/history.jsonl'), 'utf8');
    const lines = sample.trimEnd().split('\n');
    const parsed = lines.map((line) => lifecycleEventSchema.parse(JSON.parse(line)));
    const times = parsed.map((event) => event.occurredAt);
    expect(times).toEqual([...times].sort());
    const sampleTruth = historyTruthSchema.parse(
      JSON.parse(readFileSync(path.resolve(__dirname, '../examples/backtest/truth.json'), 'utf8')),
    );
    expect(times.every((t) => t >= sampleTruth.parameters.historyStart && t < sampleTruth.parameters.historyEnd)).toBe(
      true,
    );
    expect(new Set(parsed.map((event) => event.eventId)).size).toBe(parsed.length);
    expect(new Set(parsed.map((event) => event.brand))).toEqual(new Set(['nordhem', 'maison-laurent']));
  });

  it('is deterministic: the same seed writes the same bytes, and the shipped sample is reproducible', () => {
    const first = mkdtempSync(path.join(tmpdir(), 'kept-gen-'));
    const second = mkdtempSync(path.join(tmpdir(), 'kept-gen-'));
    const other = mkdtempSync(path.join(tmpdir(), 'kept-gen-'));
    const a = writeGeneratedHistory(generateHistory({ customers: 50, seed: 'sample' }), first);
    const b = writeGeneratedHistory(generateHistory({ customers: 50, seed: 'sample' }), second);
    const c = writeGeneratedHistory(generateHistory({ customers: 50, seed: 'another' }), other);
    const text = (file: string) => readFileSync(file, 'utf8');
    const shipped = path.resolve(__dirname, '../examples/backtest');
    expect(text(a.history) === text(b.history)).toBe(true);
    expect(text(a.truth) === text(b.truth)).toBe(true);
    expect(text(a.history) === text(c.history)).toBe(false);
    expect(text(a.history) === text(path.join(shipped, 'history.jsonl'))).toBe(true);
    expect(text(a.truth) === text(path.join(shipped, 'truth.json'))).toBe(true);
  });

  it('realises the stated late share, and the history agrees with truth.json', () => {
    const big = generateHistory({ customers: 3000, seed: 'late-share' });
    const stated = big.truth.parameters.expectedLateShare;
    expect(stated).toBeGreaterThan(0.07);
    expect(stated).toBeLessThan(0.1);
    const orders = big.truth.orders;
    const realised = orders.filter((order) => order.late).length / orders.length;
    // ~9,000 orders: the standard error of the share is about 0.003.
    expect(Math.abs(realised - stated)).toBeLessThan(0.015);

    const deliveredAt = new Map<string, string>();
    for (const event of big.events)
      if (event.type === 'shipment.delivered') deliveredAt.set(event.orderId, event.occurredAt);
    const disagreeing = orders.filter(
      (order) =>
        deliveredAt.get(order.orderId) !== (order.deliveredInHistory ? order.deliveredAt : undefined) ||
        order.late !== order.deliveredAt > order.promisedAt,
    );
    expect(disagreeing).toEqual([]);
  });

  it('re-orders consumables on the stated cadence', () => {
    for (const customer of truth.customers.filter((c) => c.reorders)) {
      const { orderDates, cadenceDays, jitterDays } = customer.reorders!;
      for (let i = 1; i < orderDates.length; i++) {
        const interval = (Date.parse(orderDates[i]!) - Date.parse(orderDates[i - 1]!)) / DAY_MS;
        // Instants are written to the second.
        expect(Math.abs(interval - cadenceDays)).toBeLessThanOrEqual(jitterDays + 2 / 86_400);
      }
    }
    expect(reorderers.length).toBeGreaterThanOrEqual(6);
    expect(truth.cases.some((entry) => entry.reopenedAt.length > 0)).toBe(true);
  });
});

describe('backtest report: late-delivery baselines on a tiny history computed by hand', () => {
  // Day 0 = 2025-03-03T10:00Z. Per order: placed, promised, dispatched, delivered (days), verdict.
  // o1 0, 5, 1, 3 on time · o2 1, 6, 2, 6.5 late · o3 10, 14, 12, 13.5 on time · o4 20, 25, 21, 26 late
  // o5 30, 33, 31.5, 34 late · (maison-laurent) m6 30, 33, 32, 32.5 on time · o7 40, 45, 41, never: not scored.
  const day0 = '2025-03-03T10:00:00.000Z';
  const at = (days: number) => addDays(day0, days);
  type Plan = [
    brand: string,
    orderId: string,
    placed: number,
    promised: number,
    dispatched: number,
    delivered?: number,
  ];
  const plans: Plan[] = [
    ['nordhem', 'o1', 0, 5, 1, 3],
    ['nordhem', 'o2', 1, 6, 2, 6.5],
    ['nordhem', 'o3', 10, 14, 12, 13.5],
    ['nordhem', 'o4', 20, 25, 21, 26],
    ['nordhem', 'o5', 30, 33, 31.5, 34],
    ['maison-laurent', 'm6', 30, 33, 32, 32.5],
    ['nordhem', 'o7', 40, 45, 41],
  ];
  const tinyEvents = plans.flatMap(([brand, orderId, placed, promised, dispatched, deliveredDay]) => {
    const base = { brand, customerId: `c-${orderId}` };
    const raw: unknown[] = [
      {
        ...base,
        eventId: `${orderId}-placed`,
        occurredAt: at(placed),
        type: 'order.placed',
        orderId,
        items: [{ sku: 'shelf-oak-80', name: 'Oak shelf', category: 'storage', quantity: 1, price: 129 }],
        currency: 'EUR',
        promisedDeliveryAt: at(promised),
      },
      { ...base, eventId: `${orderId}-dispatched`, occurredAt: at(dispatched), type: 'shipment.dispatched', orderId },
    ];
    if (deliveredDay !== undefined)
      raw.push({
        ...base,
        eventId: `${orderId}-delivered`,
        occurredAt: at(deliveredDay),
        type: 'shipment.delivered',
        orderId,
      });
    return raw.map((event) => lifecycleEventSchema.parse(event));
  });
  const tiny = buildReport({ ...captureOf([]), events: tinyEvents });
  const baseline = (id: string) => tiny.predictions.lateDelivery.baselines.find((candidate) => candidate.id === id)!;

  it('"not delivered one day before the promise": notices o2, o4, o5 (late) and o3, m6 (on time)', () => {
    const dayBefore = baseline('undelivered-day-before');
    expect(dayBefore.truePositives.count).toBe(3);
    expect(dayBefore.falsePositives.count).toBe(2);
    expect(dayBefore.recall).toBe(1);
    expect(dayBefore.precision).toBeCloseTo(3 / 5, 10);
    expect(dayBefore.leadTimeDays).toEqual({ median: 1, p10: 1, p90: 1 });
  });

  it('"dispatched later than promise − median transit": only from the same brand\'s earlier deliveries', () => {
    // o2: nothing delivered before its dispatch → no notice (missed). o3: median of 2 and 4.5 d =
    // 3.25 d, dispatched 2 d after 14 − 3.25 → false alarm. o4: median of 2, 4.5, 1.5 = 2 d,
    // 21 < 25 − 2 → missed. o5: median of 2, 4.5, 1.5, 5 = 3.25 d, 31.5 > 29.75 → noticed, lead 1.5 d.
    // m6: maison-laurent has no earlier delivery → no notice (with nordhem's it would be a false alarm).
    const dispatched = baseline('dispatched-late');
    expect(dispatched.truePositives.examples.map((example) => example.orderId)).toEqual(['o5']);
    expect(dispatched.falsePositives.examples.map((example) => example.orderId)).toEqual(['o3']);
    expect(dispatched.missed.count).toBe(2);
    expect(dispatched.recall).toBeCloseTo(1 / 3, 10);
    expect(dispatched.precision).toBe(0.5);
    expect(dispatched.leadTimeDays!.median).toBeCloseTo(1.5, 10);
  });

  it('shows the baselines next to Kept in the terminal summary and the HTML', () => {
    const terminal = renderTerminal(tiny);
    expect(terminal).toContain('baseline: undelivered-day-before');
    expect(terminal).toContain('recall 1.00, precision 0.60');
    expect(terminal).toContain('recall 0.33, precision 0.50');
    const html = renderHtml(tiny);
    expect(html).toContain('<h4>Against the baselines</h4>');
    expect(html).toContain('baseline: dispatched-late');
  });

  it('says, per baseline, that Kept (no notice at all here) dominates neither, and on what', () => {
    // Kept sent nothing: recall 0 against the day-before rule's 1, no precision, no lead.
    expect(baseline('undelivered-day-before').versusKept).toEqual({
      dominates: false,
      recall: 'worse',
      precision: 'worse',
      medianLead: 'worse',
      summary:
        'Kept does not dominate undelivered-day-before: recall 0.00 < 1.00, precision none < 0.60, median lead none < 1.00 d',
    });
    expect(baseline('dispatched-late').versusKept.dominates).toBe(false);
    const terminal = renderTerminal(tiny);
    expect(terminal).toContain('Kept does not dominate undelivered-day-before: recall 0.00 < 1.00');
    expect(renderHtml(tiny)).toContain('Kept does not dominate dispatched-late: recall 0.00 &lt; 0.33');
  });
});

describe('backtest report: Kept against a baseline, by Pareto dominance', () => {
  const scores = (recall: number | null, precision: number | null, median: number | null) => ({
    recall,
    precision,
    leadTimeDays: median === null ? null : { median, p10: median, p90: median },
  });
  const dayBefore = { id: 'undelivered-day-before' as const, ...scores(1, 0.9, 1) };

  it('dominates with the same recall and precision and a longer median lead', () => {
    const verdict = keptVersus(scores(1, 0.9, 1.5), dayBefore);
    expect(verdict).toMatchObject({ dominates: true, recall: 'same', precision: 'same', medianLead: 'better' });
    expect(verdict.summary).toBe(
      'Kept dominates undelivered-day-before: recall 1.00 = 1.00, precision 0.90 = 0.90, median lead 1.50 d > 1.00 d',
    );
  });

  it('does not dominate with a lower precision, nor with the same lead, whatever else is better', () => {
    expect(keptVersus(scores(1, 0.85, 3), dayBefore)).toMatchObject({ dominates: false, precision: 'worse' });
    expect(keptVersus(scores(1, 1, 1), dayBefore)).toMatchObject({ dominates: false, medianLead: 'same' });
    expect(keptVersus(scores(0.9, 1, 3), dayBefore)).toMatchObject({ dominates: false, recall: 'worse' });
  });

  it('beats a rule that noticed nothing with any correct notice', () => {
    const silent = { id: 'dispatched-late' as const, ...scores(0, null, null) };
    expect(keptVersus(scores(0.5, 0.7, 0.2), silent)).toMatchObject({
      dominates: true,
      recall: 'better',
      precision: 'better',
      medianLead: 'better',
    });
  });
});
