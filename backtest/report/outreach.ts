import type { CapturedDecision, CapturedMessage } from '../capture';
import type { Example, OutreachFigures, OutreachRow } from './schema';
import { groupBy, isoWeek, pickExamples } from './stats';

const NO_PLAYBOOK = '(no playbook)';
const UNKNOWN_TEMPLATE = '(unknown template)';

/**
 * What went out and what the contact policy held back: per playbook and template, per
 * channel, per ISO week, and the human tasks. "Sent" counts captured messages (what reached
 * the capture SMTP server or a webhook); "deferred" and "suppressed" count policy decisions.
 */
export function outreachFigures(
  messages: readonly CapturedMessage[],
  decisions: readonly CapturedDecision[],
): OutreachFigures {
  const held = decisions.filter((decision) => decision.decision !== 'send');
  return {
    totals: {
      sent: messages.filter((message) => !message.isTask).length,
      tasks: messages.filter((message) => message.isTask).length,
      deferred: held.filter((decision) => decision.decision === 'defer').length,
      suppressed: held.filter((decision) => decision.decision === 'suppress').length,
      suppressedByRule: suppressedByRule(held),
    },
    byPlaybookTemplate: byPlaybookTemplate(messages, held),
    byChannel: groupBy(messages, (message) => message.channel).map(([channel, group]) => ({
      channel,
      sent: group.filter((message) => !message.isTask).length,
      tasks: group.filter((message) => message.isTask).length,
      examples: pickExamples(group.map(messageExample)),
    })),
    byWeek: byWeek(messages, held),
    tasksByTemplate: groupBy(
      messages.filter((message) => message.isTask),
      (message) => message.template,
    ).map(([template, group]) => ({
      template,
      count: group.length,
      examples: pickExamples(group.map(messageExample)),
    })),
  };
}

export function messageExample(message: CapturedMessage): Example {
  return {
    customerId: message.customerId,
    brand: message.brand,
    ...(message.messageId ? { messageId: message.messageId } : {}),
    ...(message.orderId ? { orderId: message.orderId } : {}),
    ...(message.caseId ? { caseId: message.caseId } : {}),
    ...(message.sku ? { sku: message.sku } : {}),
  };
}

function decisionExample(decision: CapturedDecision): Example {
  return {
    customerId: decision.customerId,
    brand: decision.brand,
    note: `${decision.decision}: ${decision.rule ?? '?'}`,
  };
}

function suppressedByRule(held: readonly CapturedDecision[]): Record<string, number> {
  const suppressed = held.filter((decision) => decision.decision === 'suppress');
  return Object.fromEntries(
    groupBy(suppressed, (decision) => decision.rule ?? '(no rule)').map(([rule, g]) => [rule, g.length]),
  );
}

function byPlaybookTemplate(messages: readonly CapturedMessage[], held: readonly CapturedDecision[]): OutreachRow[] {
  const rowKey = (playbook: string | undefined, template: string | undefined) =>
    `${playbook ?? NO_PLAYBOOK}\u0000${template ?? UNKNOWN_TEMPLATE}`;
  const keys = new Set([
    ...messages.map((message) => rowKey(message.playbook, message.template)),
    ...held.map((decision) => rowKey(decision.playbook, decision.template)),
  ]);
  return [...keys].sort().map((key) => {
    const [playbook, template] = key.split('\u0000') as [string, string];
    const rowMessages = messages.filter((message) => rowKey(message.playbook, message.template) === key);
    const rowHeld = held.filter((decision) => rowKey(decision.playbook, decision.template) === key);
    const suppressed = rowHeld.filter((decision) => decision.decision === 'suppress');
    return {
      playbook,
      template,
      sent: rowMessages.filter((message) => !message.isTask).length,
      tasks: rowMessages.filter((message) => message.isTask).length,
      deferred: rowHeld.filter((decision) => decision.decision === 'defer').length,
      suppressed: suppressed.length,
      suppressedByRule: suppressedByRule(suppressed),
      examples: pickExamples([...rowMessages.map(messageExample), ...rowHeld.map(decisionExample)]),
    };
  });
}

function byWeek(messages: readonly CapturedMessage[], held: readonly CapturedDecision[]) {
  const messagesByWeek = new Map(groupBy(messages, (message) => isoWeek(message.sentAt)));
  const heldByWeek = new Map(groupBy(held, (decision) => isoWeek(decision.decidedAt)));
  const weeks = new Set([...messagesByWeek.keys(), ...heldByWeek.keys()]);
  return [...weeks].sort().map((week) => {
    const weekMessages = messagesByWeek.get(week) ?? [];
    const weekHeld = heldByWeek.get(week) ?? [];
    return {
      week,
      sent: weekMessages.filter((message) => !message.isTask).length,
      tasks: weekMessages.filter((message) => message.isTask).length,
      deferred: weekHeld.filter((decision) => decision.decision === 'defer').length,
      suppressed: weekHeld.filter((decision) => decision.decision === 'suppress').length,
    };
  });
}
