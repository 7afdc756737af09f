import Table from 'cli-table3';
import { duration, percent, rules, share, spread } from './format';
import type { BacktestReport, Example } from './schema';

/**
 * The summary an operator reads in ten seconds: what went out, what was held back, how
 * good the predictions were, and whether anyone was contacted too often. The details and
 * every example are in report.html.
 */
export function renderTerminal(report: BacktestReport): string {
  return [header(report), outreachTable(report), predictionsTable(report), peopleTable(report)].join('\n');
}

function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows.map((row) => row.map(String)));
  return t.toString();
}

function header(report: BacktestReport): string {
  const { run } = report;
  return (
    `Backtest of ${run.historyFile} with ${run.configDir}${run.brand ? ` (brand ${run.brand})` : ''}\n` +
    `${run.events} events (${run.rejectedLines} lines rejected), virtual ${run.virtualStart} → ${run.virtualEnd}, ` +
    `replayed in ${duration(run.elapsedMs)}`
  );
}

function outreachTable(report: BacktestReport): string {
  const { totals, byPlaybookTemplate } = report.outreach;
  const rows = byPlaybookTemplate.map((row) => [
    row.playbook,
    row.template,
    row.sent,
    row.tasks,
    row.deferred,
    row.suppressed ? `${row.suppressed} (${rules(row.suppressedByRule)})` : 0,
  ]);
  rows.push([
    'total',
    '',
    totals.sent,
    totals.tasks,
    totals.deferred,
    totals.suppressed ? `${totals.suppressed} (${rules(totals.suppressedByRule)})` : 0,
  ]);
  return table(['playbook', 'template', 'sent', 'tasks', 'deferred', 'suppressed (rule)'], rows);
}

function predictionsTable(report: BacktestReport): string {
  const { lateDelivery: late, replenishment: refill, fixCheck, setupCheckin } = report.predictions;
  return table(
    ['prediction', 'score', 'examples'],
    [
      [
        'late-delivery notices',
        `recall ${share(late.recall)}, precision ${share(late.precision)} (${late.truePositives.count} of ` +
          `${late.late.count} late orders noticed, ${late.falsePositives.count} false alarms, ` +
          `${late.unknown.count} orders unknown)\nlead time ${spread(late.leadTimeDays)}` +
          (late.scoredFrom
            ? `\nscored from ${late.scoredFrom} (${late.warmUpOrders ?? 0} warm-up orders not scored)`
            : ''),
        ids([...late.missed.examples, ...late.falsePositives.examples]),
      ],
      ...late.baselines.map((baseline) => [
        `  baseline: ${baseline.id}`,
        `recall ${share(baseline.recall)}, precision ${share(baseline.precision)} (${baseline.truePositives.count} ` +
          `late orders noticed, ${baseline.falsePositives.count} false alarms)\nlead time ${spread(baseline.leadTimeDays)}` +
          `\n${baseline.versusKept.summary}`,
        ids([...baseline.missed.examples, ...baseline.falsePositives.examples]),
      ]),
      [
        'replenishment reminders',
        `${refill.reminders} sent; vs the actual re-order ${spread(refill.offsetDays)}; ` +
          `${refill.afterReorder.count} after it, ${refill.noReorder.count} with no re-order`,
        ids([...refill.afterReorder.examples, ...refill.noReorder.examples]),
      ],
      [
        'fix-held checks',
        `${fixCheck.messages} sent; a case followed within ${fixCheck.withinDays} d: ${fixCheck.caseFollowed.count} (${percent(fixCheck.share)})`,
        ids(fixCheck.caseFollowed.examples),
      ],
      [
        'setup check-ins',
        `${setupCheckin.messages} sent; a case followed within ${setupCheckin.withinDays} d: ${setupCheckin.caseFollowed.count} (${percent(setupCheckin.share)})`,
        ids(setupCheckin.caseFollowed.examples),
      ],
    ],
  );
}

function peopleTable(report: BacktestReport): string {
  const { contacts, promises } = report;
  const o = promises.outcomes;
  return table(
    ['people', 'figure', 'examples'],
    [
      [
        'customers contacted',
        `${contacts.customersContacted} of ${contacts.customersInHistory}, ${contacts.contacts} contacts, max ${contacts.max.contacts} per customer`,
        ids(contacts.max.examples),
      ],
      [
        'most in 7 days',
        `${contacts.maxInSevenDays.contacts} non-transactional` +
          (contacts.overWeeklyCap ? `; ${contacts.overWeeklyCap.count} customers over the weekly cap` : ''),
        ids(contacts.overWeeklyCap?.examples ?? contacts.maxInSevenDays.examples),
      ],
      [
        'promises',
        `${promises.made} made: kept ${o.kept.count}, kept late ${o['kept-late'].count}, breached ${o.breached.count}, ` +
          `renegotiated ${o.renegotiated.count}, open ${o.open.count} (${promises.openOverdue.count} overdue); ` +
          `kept-rate ${percent(promises.keptRate)}`,
        ids([...o.breached.examples, ...promises.openOverdue.examples]),
      ],
    ],
  );
}

/** At most three customer ids, so the table stays narrow. */
function ids(examples: readonly Example[]): string {
  const unique = [...new Set(examples.map((example) => example.customerId))];
  return unique.slice(0, 3).join(', ') + (unique.length > 3 ? ', …' : '');
}
