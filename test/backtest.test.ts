import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BacktestCapture } from '../backtest/capture';
import { BacktestAbortedError, EmptyHistoryError, runBacktest, type BacktestWhere } from '../backtest/run-backtest';
import { listCapturedMail } from '../mail/mailbox';

/**
 * The backtest engine on real parts: its own time-skipping server, Kept worker, SMTP capture
 * and ledger. A small history with a known truth (one order delivered late after a reported
 * delay, one on time, a service case) is replayed; the late order's notice must be in the
 * captured mail at the moment of the delay on the history's timeline, weeks before today.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const brand = 'nordhem';
// A Monday, 12:00 UTC, long before any clock this test runs on: the engine must shift it.
const start = Date.parse('2025-03-03T12:00:00Z');
const at = (offsetMs: number) => new Date(start + offsetMs).toISOString();
const item = { sku: 'armchair', name: 'Armchair', category: 'furniture', price: 640 };

/** The history's ground truth, as the generator wrote it. */
const truth = {
  late: { customerId: 'c-late', orderId: 'o-late', promised: at(5 * DAY), delayedAt: at(2 * DAY + 2 * HOUR) },
  onTime: { customerId: 'c-ontime', orderId: 'o-ontime', promised: at(5 * DAY + 3 * HOUR) },
  // Answered an hour after it was reported: inside any first-response target.
  case: { customerId: 'c-case', caseId: 'k-1', reportedAt: at(DAY + 2 * HOUR), answeredAt: at(DAY + 3 * HOUR) },
};

function historyLines(): string[] {
  let n = 0;
  const event = (customerId: string, type: string, occurredAt: string, fields: Record<string, unknown> = {}) =>
    JSON.stringify({ type, eventId: `e-${++n}`, brand, customerId, occurredAt, ...fields });
  const profile = (customerId: string, occurredAt: string) =>
    event(customerId, 'profile.updated', occurredAt, {
      name: 'Ada Lovelace',
      email: `${customerId}@example.com`,
      timezone: 'Etc/UTC',
    });
  const { late, onTime } = truth;
  return [
    profile(late.customerId, at(0)),
    event(late.customerId, 'order.placed', at(HOUR), {
      orderId: late.orderId,
      items: [item],
      promisedDeliveryAt: late.promised,
    }),
    '{"type": "order.placed", not json',
    event(late.customerId, 'shipment.dispatched', at(DAY), { orderId: late.orderId }),
    event(late.customerId, 'shipment.delayed', late.delayedAt, {
      orderId: late.orderId,
      newEstimatedDeliveryAt: at(8 * DAY),
      reason: 'a storm',
    }),
    JSON.stringify({ type: 'order.placed', eventId: 'bad-1', brand, customerId: 'c-x', occurredAt: at(HOUR) }),
    event(late.customerId, 'shipment.delivered', at(8 * DAY), { orderId: late.orderId }),
    profile(onTime.customerId, at(30 * 60_000)),
    event(onTime.customerId, 'order.placed', at(2 * HOUR), {
      orderId: onTime.orderId,
      items: [item],
      promisedDeliveryAt: onTime.promised,
    }),
    event(onTime.customerId, 'shipment.dispatched', at(DAY + HOUR), { orderId: onTime.orderId }),
    event(onTime.customerId, 'shipment.delivered', at(3 * DAY), { orderId: onTime.orderId }),
    profile(truth.case.customerId, at(45 * 60_000)),
    event(truth.case.customerId, 'issue.reported', truth.case.reportedAt, {
      caseId: truth.case.caseId,
      category: 'damage',
      summary: 'The armchair arrived with a torn seat',
    }),
    event(truth.case.customerId, 'case.updated', truth.case.answeredAt, {
      caseId: truth.case.caseId,
      note: 'A new seat cover is on its way',
    }),
    event(truth.case.customerId, 'case.resolved', at(2 * DAY + 5 * HOUR), {
      caseId: truth.case.caseId,
      outcome: 'resolved',
      rootCause: 'packaging',
    }),
  ];
}

const dir = mkdtempSync(path.join(tmpdir(), 'kept-backtest-test-'));
const workflowBundle = { codePath: process.env.KEPT_TEST_WORKFLOW_BUNDLE! };
const write = (name: string, lines: string[]) => {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runBacktest on a small history with a known truth', () => {
  let capture: BacktestCapture;
  const mailDir = path.join(dir, 'mail');

  beforeAll(async () => {
    capture = await runBacktest({ historyFile: write('history.jsonl', historyLines()), workflowBundle, mailDir });
  }, 180_000);

  it("sends the late order's notice at the moment of the delay, on the history's timeline", () => {
    const notices = capture.messages.filter(
      (message) => message.template === 'delivery.late' && message.recipientKind === 'customer',
    );
    expect(notices.map((notice) => [notice.customerId, notice.orderId])).toEqual([
      [truth.late.customerId, truth.late.orderId],
    ]);
    const sentAt = Date.parse(notices[0]!.sentAt);
    // Decided as the delay was recorded (a few seconds of server time at most), before the promised date.
    expect(sentAt).toBeGreaterThanOrEqual(Date.parse(truth.late.delayedAt));
    expect(sentAt - Date.parse(truth.late.delayedAt)).toBeLessThan(5 * 60_000);
    expect(sentAt).toBeLessThan(Date.parse(truth.late.promised));
    expect(notices[0]!.playbook).toBe('delivery.late');

    // The notice really went through SMTP: the captured mail with that Message-ID, to that customer.
    const mail = listCapturedMail(mailDir).filter((m) => m.messageId === notices[0]!.messageId);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.to).toContain(`${truth.late.customerId}@example.com`);
    expect(mail[0]!.subject).toBe(notices[0]!.subject);
  });

  it('sends no late-delivery notice about the order that arrived on time', () => {
    const aboutOnTime = capture.messages.filter((message) => message.orderId === truth.onTime.orderId);
    expect(aboutOnTime.map((message) => message.template)).not.toContain('delivery.late');
    expect(aboutOnTime.map((message) => message.template)).toContain('order.confirmation');
  });

  it('captures the implicit promises with their outcomes on the history timeline', () => {
    const onTime = capture.promises.find((promise) => promise.orderId === truth.onTime.orderId);
    expect(onTime).toMatchObject({ kind: 'delivery', outcome: 'kept', dueAt: truth.onTime.promised });
    const response = capture.promises.find((promise) => promise.caseId === truth.case.caseId);
    expect(response).toMatchObject({ customerId: truth.case.customerId, kind: 'case-update', outcome: 'kept' });
    // Made when the case was reported, kept by the first answer: both on the history's timeline.
    expect(Date.parse(response!.madeAt) - Date.parse(truth.case.reportedAt)).toBeGreaterThanOrEqual(0);
    expect(Date.parse(response!.madeAt) - Date.parse(truth.case.reportedAt)).toBeLessThan(5 * 60_000);
    expect(Date.parse(response!.endedAt!) - Date.parse(truth.case.answeredAt)).toBeGreaterThanOrEqual(0);
    expect(Date.parse(response!.endedAt!) - Date.parse(truth.case.answeredAt)).toBeLessThan(5 * 60_000);
  });

  it('reports the rejected lines with their line numbers, as kept import does, and replays the rest', () => {
    expect(capture.rejected.map((row) => row.line)).toEqual([3, 6]);
    expect(capture.rejected[0]!.error).toMatch(/not valid JSON/);
    expect(capture.rejected[1]!.error).toMatch(/items/);
    expect(capture.events).toHaveLength(historyLines().length - 2);
    expect(capture.run.virtualStart).toBe(at(0));
  });
});

it('refuses a history with no valid event, naming the bad lines, before starting anything', async () => {
  const file = write('empty.jsonl', ['not json', JSON.stringify({ type: 'order.placed', brand })]);
  let started = false;
  const run = runBacktest({ historyFile: file, workflowBundle, onStarted: () => (started = true) });
  await expect(run).rejects.toThrow(EmptyHistoryError);
  await expect(run).rejects.toThrow(/line 1: not valid JSON[\s\S]*line 2: /);
  expect(started).toBe(false);
});

it('leaves nothing listening and no temporary folder after an abort', async () => {
  const abort = new AbortController();
  let where: BacktestWhere | undefined;
  const run = runBacktest({
    historyFile: write('abort.jsonl', historyLines()),
    workflowBundle,
    signal: abort.signal,
    onStarted: (info) => (where = info),
    onProgress: (progress) => progress.eventsDone >= 2 && abort.abort(),
  });
  await expect(run).rejects.toThrow(BacktestAbortedError);
  expect(where).toBeDefined();
  const [host, port] = where!.temporalAddress.split(':');
  for (const target of [Number(port), where!.smtpPort, where!.receiverPort])
    expect(await canConnect(host ?? '127.0.0.1', target)).toBe(false);
  expect(existsSync(where!.workDir)).toBe(false);
}, 120_000);

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
