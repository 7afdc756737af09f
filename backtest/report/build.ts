import type { BacktestCapture, CapturedMessage } from '../capture';
import {
  FIX_CHECK_TEMPLATE,
  FIX_CHECK_WINDOW_DAYS,
  scoreCaseFollowUp,
  SETUP_CHECKIN_TEMPLATE,
  SETUP_CHECKIN_WINDOW_DAYS,
} from './case-follow-up';
import { contactFigures } from './contacts';
import { historyFacts } from './history-facts';
import { scoreLateDelivery } from './late-delivery';
import { outreachFigures } from './outreach';
import { promiseFigures } from './promises';
import { scoreReplenishment } from './replenishment';
import { REPORT_VERSION, type BacktestReport, type ReportMessage } from './schema';

/**
 * The backtest report, from what a run captured: pure (no I/O, no clock), so the same
 * capture always gives the same report, and the figures can be tested without servers.
 */
export function buildReport(capture: BacktestCapture): BacktestReport {
  const facts = historyFacts(capture.events);
  const messages = [...capture.messages].sort(byTimeThenKey);
  return {
    version: REPORT_VERSION,
    run: {
      historyFile: capture.run.historyFile,
      configDir: capture.run.configDir,
      ...(capture.run.brand ? { brand: capture.run.brand } : {}),
      ...(capture.run.from ? { from: capture.run.from } : {}),
      ...(capture.run.to ? { to: capture.run.to } : {}),
      ...(capture.run.scoreFrom ? { scoreFrom: capture.run.scoreFrom } : {}),
      elapsedMs: capture.run.elapsedMs,
      virtualStart: capture.run.virtualStart,
      virtualEnd: capture.run.virtualEnd,
      events: capture.events.length,
      rejectedLines: capture.rejected.length,
    },
    outreach: outreachFigures(messages, capture.decisions),
    promises: promiseFigures(capture.promises, capture.run.virtualEnd),
    contacts: contactFigures(messages, facts.customers, capture.run.weeklyCaps),
    predictions: {
      lateDelivery: scoreLateDelivery(messages, facts, capture.run.scoreFrom),
      replenishment: scoreReplenishment(messages, facts),
      fixCheck: scoreCaseFollowUp(messages, facts, FIX_CHECK_TEMPLATE, FIX_CHECK_WINDOW_DAYS),
      setupCheckin: scoreCaseFollowUp(messages, facts, SETUP_CHECKIN_TEMPLATE, SETUP_CHECKIN_WINDOW_DAYS),
    },
    messages: messages.map(reportMessage),
  };
}

function byTimeThenKey(a: CapturedMessage, b: CapturedMessage): number {
  return Date.parse(a.sentAt) - Date.parse(b.sentAt) || a.idempotencyKey.localeCompare(b.idempotencyKey);
}

function reportMessage(message: CapturedMessage): ReportMessage {
  return {
    idempotencyKey: message.idempotencyKey,
    brand: message.brand,
    customerId: message.customerId,
    template: message.template,
    ...(message.playbook ? { playbook: message.playbook } : {}),
    channel: message.channel,
    recipientKind: message.recipientKind,
    isTask: message.isTask,
    sentAt: message.sentAt,
    ...(message.messageId ? { messageId: message.messageId } : {}),
    ...(message.orderId ? { orderId: message.orderId } : {}),
    ...(message.caseId ? { caseId: message.caseId } : {}),
    ...(message.sku ? { sku: message.sku } : {}),
  };
}
