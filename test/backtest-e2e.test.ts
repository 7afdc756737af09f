import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeGeneratedHistory } from '../examples/generate-history';
import { generateHistory } from '../examples/history-generator/generate';
import { historyTruthSchema, type TruthOrder } from '../examples/history-generator/truth';
import { listCapturedMail } from '../mail/mailbox';
import { runKept } from './helpers/cli';

/**
 * `kept backtest` end to end on a history from the seeded generator, checked against the
 * generator's ground truth (truth.json) and the captured mail alone: every late order whose
 * delay the carrier reported gets its notice at the moment of the report (or when the
 * customer's quiet hours end), and the report's recall and precision equal those counted
 * here from the mail.
 */
const QUIET_HOURS: Record<string, { start: number; end: number }> = {
  nordhem: { start: 21, end: 8 },
  'maison-laurent': { start: 20, end: 9 },
};
const dir = mkdtempSync(path.join(tmpdir(), 'kept-backtest-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('scores late-delivery notices against the generator truth, as the mail shows them', async () => {
  // Seed 'd': 15 orders in 30 days, one of them late with the delay reported by the carrier.
  const generated = generateHistory({ customers: 6, seed: 'd', days: 30, start: '2025-09-01T00:00:00.000Z' });
  const files = writeGeneratedHistory(generated, dir);
  const out = path.join(dir, 'out');
  const run = await runKept(['backtest', files.history, '--out', out, '--json'], {
    ...process.env,
    KEPT_WORKFLOW_BUNDLE: process.env.KEPT_TEST_WORKFLOW_BUNDLE,
  });
  expect(run.stderr).not.toMatch(/kept: /);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout) as {
    predictions: { lateDelivery: { recall: number | null; precision: number | null } };
  };
  const truth = historyTruthSchema.parse(JSON.parse(readFileSync(files.truth, 'utf8')));
  const history = readFileSync(files.history, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; orderId?: string; occurredAt: string });
  const capture = JSON.parse(readFileSync(path.join(out, 'capture.json'), 'utf8')) as {
    messages: { messageId?: string; sentAt: string }[];
  };
  const sentAt = new Map(capture.messages.map((message) => [message.messageId, message.sentAt]));
  // Notices as the mail shows them: the Message-ID carries the journey's contact key.
  const notices = listCapturedMail(path.join(out, 'mail'))
    .map((mail) => ({ ...mail, key: decodeMessageId(mail.messageId ?? '') }))
    .filter((mail) => /\/contact\/delivery\.(late|at-risk)\//.test(mail.key));
  const noticesOf = (order: TruthOrder) =>
    notices.filter((mail) => new RegExp(`/contact/delivery\\.(late|at-risk)/${order.orderId}[/:]`).test(mail.key));

  const scored = truth.orders.filter((order) => order.deliveredInHistory);
  const late = scored.filter((order) => order.late);
  const truePositives = late.filter((order) => noticesOf(order).length > 0);
  const falsePositives = scored.filter((order) => !order.late && noticesOf(order).length > 0);
  expect(late.length).toBeGreaterThan(0);
  expect(report.predictions.lateDelivery.recall).toBeCloseTo(truePositives.length / late.length, 10);
  const noticed = truePositives.length + falsePositives.length;
  expect(report.predictions.lateDelivery.precision).toEqual(noticed ? truePositives.length / noticed : null);

  const reported = truth.orders.filter((order) => order.late && order.delayReported);
  expect(reported.length).toBeGreaterThan(0);
  for (const order of reported) {
    const delayed = history.find((event) => event.type === 'shipment.delayed' && event.orderId === order.orderId)!;
    const customer = truth.customers.find((c) => c.customerId === order.customerId && c.brand === order.brand)!;
    const expected = afterQuietHours(Date.parse(delayed.occurredAt), customer.timezone, QUIET_HOURS[order.brand]!);
    const notice = noticesOf(order).find((mail) => mail.key.includes('/contact/delivery.late/'));
    expect(notice).toBeDefined();
    const at = Date.parse(sentAt.get(notice!.messageId!)!);
    expect(at - expected).toBeGreaterThanOrEqual(0);
    expect(at - expected).toBeLessThan(5 * 60_000);
  }
}, 300_000);

/** The instant itself, or the end of the quiet hours it falls in, in the customer's zone (minute steps). */
function afterQuietHours(at: number, timeZone: string, quiet: { start: number; end: number }): number {
  const hourAt = (ms: number) =>
    Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(ms)));
  const isQuiet = (ms: number) => hourAt(ms) >= quiet.start || hourAt(ms) < quiet.end;
  let ms = at;
  if (!isQuiet(ms)) return ms;
  ms = Math.ceil(ms / 60_000) * 60_000;
  while (isQuiet(ms)) ms += 60_000;
  return ms;
}

/** The idempotency key a Message-ID carries: `<key@kept>`, with characters outside atext written =XX. */
function decodeMessageId(messageId: string): string {
  return messageId
    .replace(/^<|@kept>$/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
