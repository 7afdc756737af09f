import Table from 'cli-table3';
import { z } from 'zod';
import { percent, share, signedCount } from './format';
import { page, renderBody, table } from './html';
import { reportMessageSchema, type BacktestReport, type ReportMessage } from './schema';
import { escapeHtml as e } from './svg';

/**
 * Two reports of the same history side by side (`kept backtest --compare DIR2`): the key
 * figures with their differences, the per-template counts, and the message-level diff —
 * which idempotency keys only one side sent, and which both sent at different times — so
 * "changing one playbook offset changes exactly the messages it should" can be checked.
 */
const figureSchema = z.object({
  name: z.string(),
  kind: z.enum(['count', 'rate', 'days']),
  a: z.number().nullable(),
  b: z.number().nullable(),
});
export type Figure = z.infer<typeof figureSchema>;

const movedMessageSchema = reportMessageSchema.extend({ sentAtB: z.string() });
const rescheduledMessageSchema = movedMessageSchema.extend({ idempotencyKeyB: z.string() });

export const reportComparisonSchema = z.object({
  labels: z.object({ a: z.string(), b: z.string() }),
  sameHistory: z.boolean(),
  figures: z.array(figureSchema),
  /** The differences in words: "+312 late-delivery notices", "recall 0.71 → 0.93". */
  summary: z.array(z.string()),
  byTemplate: z.array(
    z.object({
      playbook: z.string(),
      template: z.string(),
      a: z.object({ sent: z.number(), tasks: z.number(), deferred: z.number(), suppressed: z.number() }),
      b: z.object({ sent: z.number(), tasks: z.number(), deferred: z.number(), suppressed: z.number() }),
    }),
  ),
  messages: z.object({
    same: z.number().int(),
    onlyInA: z.array(reportMessageSchema),
    onlyInB: z.array(reportMessageSchema),
    /** Same idempotency key on both sides, sent at a different time (sentAt is A's). */
    moved: z.array(movedMessageSchema),
    /**
     * Pairs from onlyInA and onlyInB about the same thing (customer, template, playbook, order /
     * case / sku) at another time: a journey contact's key names its instant, so a changed
     * offset shows as one key gone and one new; this says which went where.
     */
    rescheduled: z.array(rescheduledMessageSchema),
    /** Customers whose messages differ, with how. */
    customers: z.array(
      z.object({
        brand: z.string(),
        customerId: z.string(),
        onlyInA: z.number().int(),
        onlyInB: z.number().int(),
        moved: z.number().int(),
      }),
    ),
  }),
  a: z.custom<BacktestReport>(),
  b: z.custom<BacktestReport>(),
});
export type ReportComparison = z.infer<typeof reportComparisonSchema>;

export function compareReports(
  a: BacktestReport,
  b: BacktestReport,
  labels: { a: string; b: string } = { a: a.run.configDir, b: b.run.configDir },
): ReportComparison {
  const figuresB = keyFigures(b);
  const figures = keyFigures(a).map((figure, index) => ({ ...figure, b: figuresB[index]!.a }));
  const messages = messageDiff(a.messages, b.messages);
  return {
    labels,
    sameHistory: a.run.historyFile === b.run.historyFile && a.run.events === b.run.events,
    figures,
    summary: summarise(figures, messages),
    byTemplate: templateRows(a, b),
    messages,
    a,
    b,
  };
}

/** The figures compared, each read from one report (as `a`; compareReports fills `b`). */
function keyFigures(report: BacktestReport): Figure[] {
  const { lateDelivery: late, replenishment, fixCheck, setupCheckin } = report.predictions;
  const { totals } = report.outreach;
  const figure = (name: string, kind: Figure['kind'], value: number | null): Figure => ({
    name,
    kind,
    a: value,
    b: null,
  });
  return [
    figure('messages sent', 'count', totals.sent),
    figure('human tasks', 'count', totals.tasks),
    figure('deferred', 'count', totals.deferred),
    figure('suppressed', 'count', totals.suppressed),
    figure('late-delivery notices', 'count', late.noticed),
    figure('recall', 'rate', late.recall),
    figure('precision', 'rate', late.precision),
    figure('notice lead time (median)', 'days', late.leadTimeDays?.median ?? null),
    figure('replenishment reminders', 'count', replenishment.reminders),
    figure('reminder − re-order (median)', 'days', replenishment.offsetDays?.median ?? null),
    figure('fix-held checks', 'count', fixCheck.messages),
    figure('setup check-ins', 'count', setupCheckin.messages),
    figure('customers contacted', 'count', report.contacts.customersContacted),
    figure('most contacts to one customer', 'count', report.contacts.max.contacts),
    figure('most contacts in 7 days', 'count', report.contacts.maxInSevenDays.contacts),
    figure('customers over the weekly cap', 'count', report.contacts.overWeeklyCap?.count ?? null),
    figure('promises made', 'count', report.promises.made),
    figure('kept-rate', 'rate', report.promises.keptRate),
  ];
}

function summarise(figures: readonly Figure[], messages: ReportComparison['messages']): string[] {
  const lines = figures.filter((figure) => figure.a !== figure.b).map(describeChange);
  if (messages.onlyInA.length + messages.onlyInB.length + messages.moved.length > 0) {
    lines.push(
      `${messages.onlyInB.length} messages only in B, ${messages.onlyInA.length} only in A ` +
        `(${messages.rescheduled.length} of them the same message at another time), ` +
        `${messages.moved.length} sent at another time under the same key, ${messages.customers.length} customers affected`,
    );
  }
  return lines;
}

function describeChange(figure: Figure): string {
  if (figure.kind === 'count' && figure.a !== null && figure.b !== null) {
    return `${signedCount(figure.b - figure.a)} ${figure.name} (${figure.a} → ${figure.b})`;
  }
  return `${figure.name} ${formatFigure(figure, figure.a)} → ${formatFigure(figure, figure.b)}`;
}

export function formatFigure(figure: Figure, value: number | null): string {
  if (value === null) return '–';
  if (figure.kind === 'rate') return share(value);
  if (figure.kind === 'days') return `${value.toFixed(1)} d`;
  return String(value);
}

function templateRows(a: BacktestReport, b: BacktestReport): ReportComparison['byTemplate'] {
  const key = (row: { playbook: string; template: string }) => `${row.playbook}\u0000${row.template}`;
  const rowsA = new Map(a.outreach.byPlaybookTemplate.map((row) => [key(row), row]));
  const rowsB = new Map(b.outreach.byPlaybookTemplate.map((row) => [key(row), row]));
  const counts = (row?: { sent: number; tasks: number; deferred: number; suppressed: number }) => ({
    sent: row?.sent ?? 0,
    tasks: row?.tasks ?? 0,
    deferred: row?.deferred ?? 0,
    suppressed: row?.suppressed ?? 0,
  });
  return [...new Set([...rowsA.keys(), ...rowsB.keys()])].sort().map((k) => {
    const [playbook, template] = k.split('\u0000') as [string, string];
    return { playbook, template, a: counts(rowsA.get(k)), b: counts(rowsB.get(k)) };
  });
}

/**
 * Two runs of one history send the same message a little apart in virtual time (a task's
 * latency on the time-skipping server lets the clock run on by milliseconds to seconds), so a
 * message counts as moved only when its time differs by at least this much.
 */
export const SAME_TIME_WITHIN_MS = 60_000;

function messageDiff(a: readonly ReportMessage[], b: readonly ReportMessage[]): ReportComparison['messages'] {
  const inA = new Map(a.map((message) => [message.idempotencyKey, message]));
  const inB = new Map(b.map((message) => [message.idempotencyKey, message]));
  const onlyInA = a.filter((message) => !inB.has(message.idempotencyKey));
  const onlyInB = b.filter((message) => !inA.has(message.idempotencyKey));
  const moved = a.flatMap((message) => {
    const other = inB.get(message.idempotencyKey);
    return other && Math.abs(Date.parse(other.sentAt) - Date.parse(message.sentAt)) >= SAME_TIME_WITHIN_MS
      ? [{ ...message, sentAtB: other.sentAt }]
      : [];
  });
  return {
    same: a.length - onlyInA.length - moved.length,
    onlyInA,
    onlyInB,
    moved,
    rescheduled: pairBySubject(onlyInA, onlyInB),
    customers: affectedCustomers(onlyInA, onlyInB, moved),
  };
}

/** Pairs messages about the same subject, one from each side, in time order (the n-th with the n-th). */
function pairBySubject(
  onlyInA: readonly ReportMessage[],
  onlyInB: readonly ReportMessage[],
): ReportComparison['messages']['rescheduled'] {
  const subject = (m: ReportMessage) =>
    [m.brand, m.customerId, m.template, m.playbook, m.orderId, m.caseId, m.sku]
      .map((part) => part ?? '')
      .join('\u0000');
  const waiting = new Map<string, ReportMessage[]>();
  for (const message of onlyInB) waiting.set(subject(message), [...(waiting.get(subject(message)) ?? []), message]);
  return onlyInA.flatMap((message) => {
    const other = waiting.get(subject(message))?.shift();
    return other ? [{ ...message, sentAtB: other.sentAt, idempotencyKeyB: other.idempotencyKey }] : [];
  });
}

function affectedCustomers(
  onlyInA: readonly ReportMessage[],
  onlyInB: readonly ReportMessage[],
  moved: readonly ReportMessage[],
): ReportComparison['messages']['customers'] {
  const customers = new Map<string, ReportComparison['messages']['customers'][number]>();
  const tally = (messages: readonly ReportMessage[], field: 'onlyInA' | 'onlyInB' | 'moved') => {
    for (const message of messages) {
      const key = `${message.brand}\u0000${message.customerId}`;
      const entry = customers.get(key) ?? {
        brand: message.brand,
        customerId: message.customerId,
        onlyInA: 0,
        onlyInB: 0,
        moved: 0,
      };
      entry[field] += 1;
      customers.set(key, entry);
    }
  };
  tally(onlyInA, 'onlyInA');
  tally(onlyInB, 'onlyInB');
  tally(moved, 'moved');
  return [...customers.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([, entry]) => entry);
}

/** The comparison on the terminal: the key figures side by side, then the differences in words. */
export function renderComparisonTerminal(comparison: ReportComparison, maxMessages = 20): string {
  const { labels, figures, messages } = comparison;
  const figureTable = new Table({
    head: ['figure', `A: ${labels.a}`, `B: ${labels.b}`, 'B − A'],
    style: { head: [], border: [] },
  });
  figureTable.push(
    ...figures.map((figure) => [
      figure.name,
      formatFigure(figure, figure.a),
      formatFigure(figure, figure.b),
      figure.a === figure.b ? '' : difference(figure),
    ]),
  );
  const lines = [figureTable.toString()];
  if (!comparison.sameHistory) lines.push('warning: the two reports come from different histories');
  lines.push(comparison.summary.length > 0 ? comparison.summary.join('\n') : 'no differences');
  const { onlyInA, onlyInB } = unpaired(messages);
  const diff = [
    ...onlyInA.map((m) => `- A only  ${describeMessage(m)}`),
    ...onlyInB.map((m) => `+ B only  ${describeMessage(m)}`),
    ...messages.moved.map((m) => `~ moved   ${describeMessage(m)} → ${m.sentAtB}`),
    ...messages.rescheduled.map((m) => `~ resched ${describeMessage(m)} → ${m.sentAtB} [${m.idempotencyKeyB}]`),
  ];
  if (diff.length > 0) {
    lines.push(...diff.slice(0, maxMessages));
    if (diff.length > maxMessages) lines.push(`… ${diff.length - maxMessages} more in comparison.html`);
  }
  return lines.join('\n');
}

/** The messages only one side sent, less those shown as rescheduled pairs (listed once, as a pair). */
function unpaired(messages: ReportComparison['messages']) {
  const pairedA = new Set(messages.rescheduled.map((m) => m.idempotencyKey));
  const pairedB = new Set(messages.rescheduled.map((m) => m.idempotencyKeyB));
  return {
    onlyInA: messages.onlyInA.filter((m) => !pairedA.has(m.idempotencyKey)),
    onlyInB: messages.onlyInB.filter((m) => !pairedB.has(m.idempotencyKey)),
  };
}

function difference(figure: Figure): string {
  if (figure.a === null || figure.b === null) return 'changed';
  if (figure.kind === 'count') return signedCount(figure.b - figure.a);
  if (figure.kind === 'rate') return `${figure.b - figure.a > 0 ? '+' : ''}${percent(figure.b - figure.a)}`;
  return `${figure.b - figure.a > 0 ? '+' : ''}${(figure.b - figure.a).toFixed(1)} d`;
}

function describeMessage(message: ReportMessage): string {
  return `${message.sentAt} ${message.brand}/${message.customerId} ${message.template} [${message.idempotencyKey}]`;
}

/** comparison.html: the differences first, then both full reports side by side. Self-contained like report.html. */
export function renderComparisonHtml(comparison: ReportComparison): string {
  const { labels, figures, messages } = comparison;
  const figureRows = figures.map((figure) => [
    e(figure.name),
    e(formatFigure(figure, figure.a)),
    e(formatFigure(figure, figure.b)),
    figure.a === figure.b ? '' : `<b>${e(difference(figure))}</b>`,
  ]);
  const templateRows = comparison.byTemplate
    .filter((row) => JSON.stringify(row.a) !== JSON.stringify(row.b))
    .map((row) => [
      e(row.playbook),
      e(row.template),
      `${row.a.sent} → ${row.b.sent}`,
      `${row.a.tasks} → ${row.b.tasks}`,
      `${row.a.deferred} → ${row.b.deferred}`,
      `${row.a.suppressed} → ${row.b.suppressed}`,
    ]);
  const { onlyInA, onlyInB } = unpaired(messages);
  const messageRows = [
    ...onlyInA.map((m) => messageRow('A only', m, '')),
    ...onlyInB.map((m) => messageRow('B only', m, '')),
    ...messages.moved.map((m) => messageRow('moved', m, m.sentAtB)),
    ...messages.rescheduled.map((m) => messageRow(`rescheduled (B: ${m.idempotencyKeyB})`, m, m.sentAtB)),
  ];
  const body =
    `<h1>Kept backtest comparison</h1>` +
    `<p class="meta">A: <b>${e(labels.a)}</b> · B: <b>${e(labels.b)}</b> · history ${e(comparison.a.run.historyFile)}` +
    `${comparison.sameHistory ? '' : ' <b class="minus">(the two reports come from different histories)</b>'}</p>` +
    `<h2>Differences</h2><ul>${comparison.summary.map((line) => `<li>${e(line)}</li>`).join('') || '<li>none</li>'}</ul>` +
    table(['figure', 'A', 'B', 'B − A'], figureRows, [1, 2, 3]) +
    `<h2>Per playbook and template (rows that differ)</h2>` +
    table(['playbook', 'template', 'sent', 'tasks', 'deferred', 'suppressed'], templateRows) +
    `<h2>Messages that differ (${messages.same} identical)</h2>` +
    table(
      ['side', 'sent at (A)', 'sent at (B)', 'customer', 'template', 'idempotency key', 'Message-ID'],
      messageRows,
    ) +
    `<h2>Side by side</h2><div style="display:grid;grid-template-columns:1fr 1fr;gap:1rem">` +
    `<section><h2>A: ${e(labels.a)}</h2>${renderBody(comparison.a)}</section>` +
    `<section><h2>B: ${e(labels.b)}</h2>${renderBody(comparison.b)}</section></div>`;
  return page(`Kept backtest comparison: ${labels.a} vs ${labels.b}`, body);
}

function messageRow(side: string, message: ReportMessage, sentAtB: string): string[] {
  return [
    e(side),
    side === 'B only' ? '' : e(message.sentAt),
    side === 'B only' ? e(message.sentAt) : e(sentAtB),
    e(`${message.brand} / ${message.customerId}`),
    e(message.template),
    `<span class="ex">${e(message.idempotencyKey)}</span>`,
    `<span class="ex">${e(message.messageId ?? '')}</span>`,
  ];
}
