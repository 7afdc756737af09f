import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createOutreachActivities } from '../activities/outreach/deliver';
import { startCaptureServer, type CaptureServer } from '../mail/capture-server';
import { listCapturedMail, rawMessagePath } from '../mail/mailbox';
import { outreachDependencies, temporaryDirectory } from './helpers/outreach';

/**
 * What a person sees of a sent mail in development: a Swedish subject travels MIME-encoded
 * (as it must), and `npm run mail` (list and show) prints it decoded. Real parts: the
 * deliverOutreach activity, the capture server as SMTP server, the mail CLI as a process.
 */
const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);
const tmp = temporaryDirectory('kept-mail-show-');
let smtp: CaptureServer;

beforeAll(async () => {
  smtp = await startCaptureServer({ port: 0, host: '127.0.0.1', directory: path.join(tmp.path, 'mail') });
});

afterAll(async () => {
  await smtp.close();
  tmp.remove();
});

const mailCli = (...args: string[]) =>
  run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['mail/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, KEPT_DATA_DIR: tmp.path },
  });

it('shows an encoded subject decoded, in the list and in show', async () => {
  const activities = createOutreachActivities(outreachDependencies({ smtpPort: smtp.port }));
  await activities.deliverOutreach({
    idempotencyKey: 'kept/nordhem/customer/astrid/contact/order.confirmation/NH-7/2026-12-02T09:00:00.000Z',
    brand: 'nordhem',
    recipient: {
      kind: 'customer',
      customerId: 'astrid',
      name: 'Åsa Öberg',
      email: 'asa@example.com',
      locale: 'sv-SE',
      timezone: 'Europe/Stockholm',
    },
    category: 'transactional',
    template: 'order.confirmation',
    reason: 'You placed order NH-7; here is what happens next and when.',
    data: { orderId: 'NH-7', promisedDeliveryAt: '2027-03-01T10:00:00Z' },
  });
  const [captured] = listCapturedMail(path.join(tmp.path, 'mail'));
  // On the wire the subject is an RFC 2047 encoded word...
  const raw = readFileSync(rawMessagePath(path.join(tmp.path, 'mail'), captured!.id), 'utf8');
  expect(raw).toMatch(/^Subject: =\?UTF-8\?/m);

  // ...but nobody reading the list or a message sees it that way.
  const list = await mailCli('list');
  expect(list.stdout).toContain('Order NH-7 är bekräftad');
  const shown = await mailCli('show', captured!.id);
  expect(shown.stdout).toContain('subject: Order NH-7 är bekräftad\n');
  expect(shown.stdout).toContain('to: "Åsa Öberg" <asa@example.com>');
  expect(shown.stdout).not.toContain('=?');
  expect(shown.stdout).toContain('Hej Åsa!');
  expect(shown.stdout).toContain('1 mars 2027');
});
