import { DOMINANCE_RULE } from './dominance';
import { duration, percent, rules, share, spread } from './format';
import type { BacktestReport, Counted, Example, LateDeliveryQuality } from './schema';
import { barChart, escapeHtml as e } from './svg';

/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) with
 * the figures, the charts and the example ids behind every figure. Everything that comes
 * from the data is escaped.
 */
export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d2327}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ex{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:#4a5560}
.meta{color:#4a5560}.charts{display:flex;flex-wrap:wrap;gap:1.5rem}figure{margin:0}figcaption{font-weight:600;margin-bottom:.3rem}
svg .axis{font-size:10px;fill:#4a5560}svg .value{font-size:10px;fill:#1d2327}svg .line{stroke:#8c959f}
.plus{color:#1a7f37}.minus{color:#cf222e}.note{color:#4a5560;font-size:12px}
`;

export function renderHtml(report: BacktestReport): string {
  return page(`Kept backtest: ${report.run.historyFile}`, renderBody(report));
}

export function page(title: string, body: string): string {
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${e(title)}</title><style>${REPORT_CSS}</style></head><body>${body}</body></html>\n`
  );
}

export function renderBody(report: BacktestReport): string {
  return [
    runSection(report),
    chartsSection(report),
    outreachSection(report),
    predictionsSection(report),
    contactsSection(report),
    promisesSection(report),
  ].join('\n');
}

function runSection(report: BacktestReport): string {
  const { run } = report;
  return (
    `<h1>Kept backtest</h1><p class="meta">History <b>${e(run.historyFile)}</b>, configuration <b>${e(run.configDir)}</b>` +
    `${run.brand ? `, brand <b>${e(run.brand)}</b>` : ''}. ${run.events} events replayed ` +
    `(${run.rejectedLines} lines rejected), virtual ${e(run.virtualStart)} → ${e(run.virtualEnd)}, ` +
    `in ${e(duration(run.elapsedMs))}. Example ids open in the captured mail by customer id or Message-ID.</p>`
  );
}

function chartsSection(report: BacktestReport): string {
  const weeks = report.outreach.byWeek.map((week) => ({ label: week.week, value: week.sent + week.tasks }));
  const contacts = contactBars(report.contacts.distribution);
  const lead = report.predictions.lateDelivery.leadTimeHistogram.map((bin) => ({ label: bin.label, value: bin.count }));
  return (
    `<h2>At a glance</h2><div class="charts">` +
    barChart('Messages and tasks per ISO week (UTC)', weeks) +
    barChart('Customers by number of contacts', contacts, '#8f5f2f') +
    barChart('Late-delivery notice lead time (promised − notice)', lead, '#2f8f5f') +
    `</div>`
  );
}

/** One bar per number of contacts from 0 to the maximum (gaps shown as empty bars), up to 40; beyond, only those seen. */
function contactBars(distribution: BacktestReport['contacts']['distribution']) {
  const max = Math.max(0, ...distribution.map((bin) => bin.contacts));
  const seen = new Map(distribution.map((bin) => [bin.contacts, bin.customers]));
  const counts = max <= 40 ? Array.from({ length: max + 1 }, (_, contacts) => contacts) : [...seen.keys()];
  return counts.map((contacts) => ({ label: String(contacts), value: seen.get(contacts) ?? 0 }));
}

export function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []) {
  const th = head.map((cell) => `<th>${e(cell)}</th>`).join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${row.map((cell, index) => `<td${numeric.includes(index) ? ' class="n"' : ''}>${cell}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Example ids as escaped monospace text: customer, then order / case / sku and the Message-ID. */
export function examples(list: readonly Example[]): string {
  if (list.length === 0) return '';
  const items = list.map((example) => {
    const subject = [example.brand, example.customerId, example.orderId, example.caseId, example.sku]
      .filter(Boolean)
      .join(' / ');
    const message = example.messageId ? ` ✉ ${example.messageId}` : '';
    const note = example.note ? ` (${example.note})` : '';
    return e(subject + message + note);
  });
  return `<span class="ex">${items.join('<br>')}</span>`;
}

function countCell(counted: Counted): string {
  return `${counted.count}`;
}

function outreachSection(report: BacktestReport): string {
  const { byPlaybookTemplate, byChannel, tasksByTemplate, totals } = report.outreach;
  const rows = byPlaybookTemplate.map((row) => [
    e(row.playbook),
    e(row.template),
    String(row.sent),
    String(row.tasks),
    String(row.deferred),
    `${row.suppressed}${row.suppressed ? ` <span class="note">${e(rules(row.suppressedByRule))}</span>` : ''}`,
    examples(row.examples),
  ]);
  rows.push([
    '<b>total</b>',
    '',
    String(totals.sent),
    String(totals.tasks),
    String(totals.deferred),
    `${totals.suppressed} <span class="note">${e(rules(totals.suppressedByRule))}</span>`,
    '',
  ]);
  return (
    `<h2>Outreach per playbook and template</h2>` +
    table(['playbook', 'template', 'sent', 'tasks', 'deferred', 'suppressed (by rule)', 'examples'], rows, [2, 3, 4]) +
    `<h2>Per channel</h2>` +
    table(
      ['channel', 'sent', 'tasks', 'examples'],
      byChannel.map((row) => [e(row.channel), String(row.sent), String(row.tasks), examples(row.examples)]),
      [1, 2],
    ) +
    `<h2>Human tasks</h2>` +
    table(
      ['template', 'tasks', 'examples'],
      tasksByTemplate.map((row) => [e(row.template), String(row.count), examples(row.examples)]),
      [1],
    ) +
    `<h2>Per ISO week (UTC)</h2>` +
    table(
      ['week', 'sent', 'tasks', 'deferred', 'suppressed'],
      report.outreach.byWeek.map((row) => [
        e(row.week),
        ...[row.sent, row.tasks, row.deferred, row.suppressed].map(String),
      ]),
      [1, 2, 3, 4],
    )
  );
}

/** Kept's late-delivery notices next to the simple rules, scored the same way on the same orders. */
function baselinesTable(late: LateDeliveryQuality): string {
  const row = (name: string, quality: Pick<LateDeliveryQuality, 'recall' | 'precision' | 'leadTimeDays'>) => [
    name,
    e(share(quality.recall)),
    e(share(quality.precision)),
    e(spread(quality.leadTimeDays)),
  ];
  const rows = [row('Kept', late), ...late.baselines.map((baseline) => row(`baseline: ${e(baseline.id)}`, baseline))];
  const notes = late.baselines.map((baseline) => `<li>${e(baseline.id)}: ${e(baseline.rule)}</li>`).join('');
  const verdicts = late.baselines.map((baseline) => `<li>${e(baseline.versusKept.summary)}</li>`).join('');
  return (
    `<h4>Against the baselines</h4>` +
    table(['notices by', 'recall', 'precision', 'lead time'], rows, [1, 2]) +
    `<ul class="verdicts">${verdicts}</ul>` +
    `<p class="note">${e(DOMINANCE_RULE)}</p>` +
    `<ul class="note">${notes}</ul>`
  );
}

function predictionsSection(report: BacktestReport): string {
  const { lateDelivery: late, replenishment: refill, fixCheck, setupCheckin } = report.predictions;
  const lateRows = [
    ['orders late (delivered after the promise)', countCell(late.late), examples(late.late.examples)],
    [
      '… noticed before or after (true positives)',
      countCell(late.truePositives),
      examples(late.truePositives.examples),
    ],
    ['… missed (late, no notice)', countCell(late.missed), examples(late.missed.examples)],
    [
      'on-time orders with a notice (false positives)',
      countCell(late.falsePositives),
      examples(late.falsePositives.examples),
    ],
    ['orders on time', String(late.onTime), ''],
    [
      'orders unknown (never delivered in the history): not scored',
      countCell(late.unknown),
      examples(late.unknown.examples),
    ],
    ['… of which noticed', countCell(late.noticedUnknown), examples(late.noticedUnknown.examples)],
  ];
  const refillRows = [
    ['reminders matched to a re-order', countCell(refill.withReorder), examples(refill.withReorder.examples)],
    ['… sent after the re-order', countCell(refill.afterReorder), examples(refill.afterReorder.examples)],
    ['reminders with no re-order in the history', countCell(refill.noReorder), examples(refill.noReorder.examples)],
  ];
  const followUps = [fixCheck, setupCheckin].map((quality) => [
    e(quality.template),
    String(quality.messages),
    `${quality.caseFollowed.count} (${e(percent(quality.share))})`,
    examples(quality.caseFollowed.examples),
    examples(quality.noCase.examples),
  ]);
  return (
    `<h2>Prediction quality, against what the history shows happened</h2>` +
    `<h3>Late-delivery notices: recall ${e(share(late.recall))}, precision ${e(share(late.precision))}</h3>` +
    `<p>Lead time before the promised date: ${e(spread(late.leadTimeDays))}.</p>` +
    table(['orders', 'count', 'examples'], lateRows, [1]) +
    `<p class="note">${e(late.rule)}</p>` +
    baselinesTable(late) +
    `<h3>Replenishment reminders: ${refill.reminders} sent</h3>` +
    `<p>Against the actual re-order: ${e(spread(refill.offsetDays))}; ${refill.beforeReorder} before it.</p>` +
    table(['reminders', 'count', 'examples'], refillRows, [1]) +
    barChart(
      'Reminder − re-order, days',
      refill.offsetHistogram.map((bin) => ({ label: bin.label, value: bin.count })),
    ) +
    `<p class="note">${e(refill.rule)}</p>` +
    `<h3>Fix-held checks and setup check-ins: did a case follow?</h3>` +
    table(['template', 'sent', 'a case followed', 'examples (case followed)', 'examples (no case)'], followUps, [1]) +
    `<p class="note">${e(fixCheck.rule)} ${e(setupCheckin.rule)}</p>`
  );
}

function contactsSection(report: BacktestReport): string {
  const c = report.contacts;
  const rows = [
    ['customers in the history', String(c.customersInHistory), ''],
    ['customers contacted', String(c.customersContacted), ''],
    ['contacts', String(c.contacts), ''],
    ['most contacts to one customer', String(c.max.contacts), examples(c.max.examples)],
    [
      'most non-transactional contacts in 7 days',
      String(c.maxInSevenDays.contacts),
      examples(c.maxInSevenDays.examples),
    ],
  ];
  if (c.overWeeklyCap) {
    rows.push([
      `customers over the weekly cap (${e(rules(c.overWeeklyCap.caps))})`,
      String(c.overWeeklyCap.count),
      examples(c.overWeeklyCap.examples),
    ]);
  }
  return (
    `<h2>Contacts per customer: did we spam anyone?</h2>` +
    table(['figure', 'value', 'examples'], rows, [1]) +
    table(
      ['contacts', 'customers'],
      c.distribution.map((bin) => [String(bin.contacts), String(bin.customers)]),
      [0, 1],
    ) +
    `<p class="note">${e(c.definition)}</p>`
  );
}

function promisesSection(report: BacktestReport): string {
  const p = report.promises;
  const rows = Object.entries(p.outcomes).map(([outcome, counted]) => [
    e(outcome),
    String(counted.count),
    examples(counted.examples),
  ]);
  rows.push(['open and past due (counts as breached)', String(p.openOverdue.count), examples(p.openOverdue.examples)]);
  return (
    `<h2>Promises: ${p.made} made, kept-rate ${e(percent(p.keptRate))}</h2>` +
    table(['outcome', 'promises', 'examples'], rows, [1]) +
    table(
      ['kind', 'made', 'kept'],
      p.byKind.map((row) => [e(row.kind), String(row.made), String(row.kept)]),
      [1, 2],
    ) +
    `<p class="note">${e(p.keptRateCounts)}</p>`
  );
}
