import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { simpleParser, type ParsedMail } from 'mailparser';
import { readFileSync } from 'node:fs';
import { createOutreachActivities } from '../activities/outreach/deliver';
import { messageIdFor } from '../activities/outreach/email';
import { SqliteDeliveryLedger } from '../activities/outreach/ledger';
import { verifyWebhookSignature } from '../activities/outreach/webhook';
import type { OutreachRequestInput } from '../common/outreach/contract';
import { createUnsubscribeToken, verifyUnsubscribeToken } from '../common/outreach/unsubscribe';
import { startCaptureServer, type CaptureServer } from '../mail/capture-server';
import { listCapturedMail, rawMessagePath } from '../mail/mailbox';
import {
  outreachDependencies,
  shippedProfiles,
  temporaryDirectory,
  TEST_UNSUBSCRIBE_SECRET,
  TEST_WEBHOOK_SECRET,
} from './helpers/outreach';

/**
 * deliverOutreach against a real SMTP server on localhost (Kept's capture server), a real
 * SQLite ledger file, and a real HTTP task receiver. Every mail is parsed back from the
 * raw .eml the server stored.
 */
const tmp = temporaryDirectory('kept-outreach-');
const mailDir = path.join(tmp.path, 'mail');
let smtp: CaptureServer;
let tasks: { server: Server; url: string; received: { headers: IncomingHttpHeaders; body: string }[] };
let ledger: SqliteDeliveryLedger;
let activities: ReturnType<typeof createOutreachActivities>;

beforeAll(async () => {
  smtp = await startCaptureServer({ port: 0, directory: mailDir });
  tasks = await startReceiver();
  ledger = new SqliteDeliveryLedger(path.join(tmp.path, 'ledger.sqlite'));
  const profiles = shippedProfiles({
    'maison-laurent': { ...shippedProfiles().get('maison-laurent')!, webhooks: { tasks: tasks.url } },
  });
  activities = createOutreachActivities({ ...outreachDependencies({ smtpPort: smtp.port, ledger, profiles }) });
});

afterAll(async () => {
  await ledger.close();
  await smtp.close();
  await new Promise((resolve) => tasks.server.close(resolve));
  tmp.remove();
});

function customerRequest(overrides: Partial<OutreachRequestInput> = {}): OutreachRequestInput {
  return {
    idempotencyKey: `kept/nordhem/customer/ada/${expect.getState().currentTestName}`,
    brand: 'nordhem',
    recipient: { kind: 'customer', customerId: 'ada', name: 'Ada Lovelace', email: 'ada@example.com', locale: 'en-GB' },
    category: 'proactive',
    template: 'delivery.late',
    reason: 'your delivery is running late',
    data: { orderId: 'A-1001', newEstimatedDeliveryAt: '2027-06-24T10:00:00Z' },
    ...overrides,
  };
}

async function parsedMail(messageId: string) {
  const stored = listCapturedMail(mailDir).find((mail) => mail.messageId === messageId);
  if (!stored) throw new Error(`no captured mail with Message-ID ${messageId}`);
  return { stored, parsed: await simpleParser(readFileSync(rawMessagePath(mailDir, stored.id))) };
}

describe('deliverOutreach by email', () => {
  it('sends a mail that parses back right: subject, both parts, headers, key-derived Message-ID', async () => {
    const request = customerRequest();
    const result = await activities.deliverOutreach(request);
    expect(result).toMatchObject({ status: 'sent', channel: 'email', messageId: messageIdFor(request.idempotencyKey) });
    expect(result.messageId).toBe(
      '<kept/nordhem/customer/ada/deliverOutreach=20by=20email=20sends=20a=20mail=20that=20parses=20back=20right=3A=20subject=2C=20both=20parts=2C=20headers=2C=20key-derived=20Message-ID@kept>',
    );

    const { parsed } = await parsedMail(result.messageId!);
    expect(parsed.messageId).toBe(result.messageId);
    expect(parsed.subject).toBe('Order A-1001 is running late');
    expect(parsed.from?.value[0]).toEqual({ name: 'Nordhem', address: 'hello@nordhem.example' });
    expect(parsed.replyTo?.value[0]?.address).toBe('help@nordhem.example');
    expect(parsed.to && !Array.isArray(parsed.to) && parsed.to.value[0]).toEqual({
      name: 'Ada Lovelace',
      address: 'ada@example.com',
    });
    expect(parsed.text).toContain('Hi Ada,');
    expect(parsed.text).toContain('24 June 2027');
    expect(parsed.text).toContain('Why you are hearing from us: your delivery is running late');
    expect(parsed.html).toContain('<p>Hi Ada,</p>');

    // RFC 8058 one-click unsubscribe, with a token that verifies and names brand, customer, category
    expect(rawHeader(parsed, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const listUnsubscribe = rawHeader(parsed, 'list-unsubscribe')!;
    const url = new URL(/<([^>]+)>/.exec(listUnsubscribe)![1]!);
    expect(url.origin + url.pathname).toBe('https://kept.example/unsubscribe');
    expect(verifyUnsubscribeToken(url.searchParams.get('token')!, TEST_UNSUBSCRIBE_SECRET, new Date())).toMatchObject({
      valid: true,
      claims: { brand: 'nordhem', customerId: 'ada', category: 'proactive' },
    });
    expect(parsed.html).toContain('https://kept.example/unsubscribe?token=');
  });

  it('puts no List-Unsubscribe on transactional mail', async () => {
    const result = await activities.deliverOutreach(
      customerRequest({ category: 'transactional', template: 'order.confirmation', reason: 'your order' }),
    );
    const { parsed } = await parsedMail(result.messageId!);
    expect(parsed.subject).toBe('Order A-1001 confirmed');
    expect(rawHeader(parsed, 'list-unsubscribe')).toBeUndefined();
    expect(rawHeader(parsed, 'list-unsubscribe-post')).toBeUndefined();
  });

  it('sends nothing a second time for the same key: the ledger answers duplicate', async () => {
    const request = customerRequest();
    const first = await activities.deliverOutreach(request);
    const second = await activities.deliverOutreach(request);
    expect(first.status).toBe('sent');
    expect(second).toMatchObject({ status: 'duplicate', messageId: first.messageId, channel: 'email' });
    const stored = listCapturedMail(mailDir).filter((mail) => mail.messageId === first.messageId);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.duplicatesCollapsed).toBe(0); // the second call never reached SMTP
    expect(await ledger.attempts(request.idempotencyKey)).toHaveLength(1);
    expect(await ledger.contactHistory('nordhem', 'ada', new Date(0))).toContainEqual(
      expect.objectContaining({ category: 'proactive', reason: 'your delivery is running late', channel: 'email' }),
    );
  });

  it('closes the attempt a killed worker left sending when the retry completes the delivery', async () => {
    const request = customerRequest();
    // A worker recorded the attempt and died before it finished: the row stays 'sending'.
    await ledger.beginAttempt(
      {
        idempotencyKey: request.idempotencyKey,
        brand: 'nordhem',
        recipientKind: 'customer',
        recipientId: 'ada',
        category: 'proactive',
        template: 'delivery.late',
        reason: request.reason,
        channel: 'email',
      },
      new Date(),
    );
    expect((await activities.deliverOutreach(request)).status).toBe('sent');
    const attempts = await ledger.attempts(request.idempotencyKey);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(['interrupted', 'sent']);
    expect(attempts.every((attempt) => attempt.finishedAt !== null)).toBe(true);
    expect(attempts[0]!.error).toMatch(/stopped mid-send/);
  });

  it('escapes a customer named <script>alert(1)</script> and neutralises CR/LF in the subject', async () => {
    const name = '<script>alert(1)</script>';
    const request = customerRequest({
      recipient: { kind: 'customer', customerId: 'mallory', name, email: 'mallory@example.com' },
      template: 'setup.checkin',
      data: { productName: 'Desk\r\nBcc: victim@example.com\r\nX-Injected: yes' },
    });
    const result = await activities.deliverOutreach(request);
    const { stored, parsed } = await parsedMail(result.messageId!);
    expect(parsed.html).not.toContain('<script>');
    expect(parsed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(parsed.subject).toBe('All set with your Desk Bcc: victim@example.com X-Injected: yes?');
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.has('x-injected')).toBe(false);
    expect(stored.envelope.to).toEqual(['mallory@example.com']);
    const headerBlock = readFileSync(rawMessagePath(mailDir, stored.id), 'utf8').split(/\r?\n\r?\n/)[0]!;
    expect(headerBlock).toMatch(/^Subject: All set with your Desk Bcc:/m);
    expect(headerBlock).not.toMatch(/^X-Injected:/im);
    expect(headerBlock).not.toMatch(/^Bcc:/im);
  });

  it('writes French to a French customer of maison-laurent, for every customer message', async () => {
    const profiles = shippedProfiles();
    const emailOnly = createOutreachActivities(
      outreachDependencies({
        smtpPort: smtp.port,
        ledger,
        // every touchpoint automated, so the French mail goes to the customer
        profiles: new Map([
          ['maison-laurent', { ...profiles.get('maison-laurent')!, touchpoints: {}, channels: ['email'] }],
        ]),
      }),
    );
    const french = await emailOnly.deliverOutreach(
      customerRequest({
        idempotencyKey: 'kept/maison-laurent/customer/lea/late-fr',
        brand: 'maison-laurent',
        recipient: {
          kind: 'customer',
          customerId: 'lea',
          name: 'Léa Martin',
          email: 'lea@example.com',
          locale: 'fr-FR',
        },
      }),
    );
    const { parsed } = await parsedMail(french.messageId!);
    expect(parsed.subject).toBe('Votre commande A-1001 : une nouvelle date de livraison');
    expect(parsed.text).toContain('Bonjour Léa Martin,');
    expect(parsed.text).toContain('24 juin 2027');

    const fallback = await emailOnly.deliverOutreach(
      customerRequest({
        idempotencyKey: 'kept/maison-laurent/customer/lea/warranty',
        brand: 'maison-laurent',
        template: 'warranty.expiring',
        recipient: {
          kind: 'customer',
          customerId: 'lea',
          name: 'Léa Martin',
          email: 'lea@example.com',
          locale: 'fr-FR',
        },
        data: { productName: 'Sac Héloïse', endsAt: '2027-07-01T00:00:00Z' },
      }),
    );
    expect((await parsedMail(fallback.messageId!)).parsed.subject).toBe(
      'La garantie de votre Sac Héloïse prend fin le 1er juillet 2027',
    );
  });

  it('emails staff from the profile directory, without an unsubscribe link', async () => {
    const result = await activities.deliverOutreach({
      idempotencyKey: 'kept/nordhem/promise/p-1/reminder-0.5',
      brand: 'nordhem',
      recipient: { kind: 'person', id: 'priya' },
      category: 'service',
      template: 'promise.reminder',
      reason: 'half of the promise window has passed',
      data: {
        promiseText: 'call back about the drawer',
        dueAt: '2027-06-18T16:00:00Z',
        // The promise workflow sends the due time as the team reads it (staffTime, brand zone).
        dueLocal: 'Fri 18 Jun 2027, 17:00 BST',
        promiseId: 'p-1',
        customer: { name: 'Ada Lovelace' },
        customerId: 'ada',
      },
    });
    const { parsed } = await parsedMail(result.messageId!);
    expect(parsed.to && !Array.isArray(parsed.to) && parsed.to.value[0]?.address).toBe('priya@nordhem.example');
    expect(parsed.subject).toBe(
      'Reminder: "call back about the drawer" for Ada Lovelace is due Fri 18 Jun 2027, 17:00 BST',
    );
    expect(rawHeader(parsed, 'list-unsubscribe')).toBeUndefined();
  });
});

describe('deliverOutreach for human touchpoints', () => {
  it('hands a white-glove human touchpoint to the task webhook, signed, keyed, once', async () => {
    const request = customerRequest({
      idempotencyKey: 'kept/maison-laurent/customer/lea/late-call',
      brand: 'maison-laurent',
      recipient: { kind: 'customer', customerId: 'lea', name: 'Léa Martin', phone: '+33612345678', locale: 'fr-FR' },
    });
    const result = await activities.deliverOutreach(request);
    expect(result).toMatchObject({ status: 'task-created', channel: 'phone' });
    expect(await activities.deliverOutreach(request)).toMatchObject({ status: 'duplicate' });
    const received = tasks.received.filter((entry) => entry.headers['idempotency-key'] === request.idempotencyKey);
    expect(received).toHaveLength(1);
    const task = JSON.parse(received[0]!.body);
    expect(task).toMatchObject({
      taskId: request.idempotencyKey,
      kind: 'delivery.late',
      assignee: { kind: 'team', id: 'client-advisors' },
      customer: { id: 'lea', phone: '+33612345678' },
    });
    expect(
      verifyWebhookSignature({
        secret: TEST_WEBHOOK_SECRET,
        timestamp: received[0]!.headers['kept-timestamp'] as string,
        signature: received[0]!.headers['kept-signature'] as string,
        body: received[0]!.body,
        now: new Date(),
      }),
    ).toBe(true);
  });

  it('emails the task to the first-line team when the profile has no task webhook', async () => {
    const noWebhook = createOutreachActivities(outreachDependencies({ smtpPort: smtp.port, ledger }));
    const result = await noWebhook.deliverOutreach(
      customerRequest({
        idempotencyKey: 'kept/maison-laurent/customer/lea/checkin-call',
        brand: 'maison-laurent',
        template: 'checkin.quarterly',
        recipient: { kind: 'customer', customerId: 'lea', name: 'Léa Martin', phone: '+33612345678' },
      }),
    );
    expect(result).toMatchObject({ status: 'task-created', channel: 'email' });
    const { parsed } = await parsedMail(result.messageId!);
    expect(parsed.to && !Array.isArray(parsed.to) && parsed.to.value[0]?.address).toBe(
      'client-advisors@maison-laurent.example',
    );
    expect(parsed.text).toMatch(/^Hello Client advisors,/);
    expect(parsed.text).toContain('Léa Martin (customer id lea)');
    expect(parsed.text).toContain('Phone: +33612345678');
    expect(parsed.text).not.toContain('checkin.quarterly');
  });
});

describe('deliverOutreach on bad input', () => {
  it('rejects an invalid request as non-retryable, naming the field', async () => {
    const bad = { ...customerRequest(), category: 'spam' } as unknown as OutreachRequestInput;
    const error = await activities.deliverOutreach(bad).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect((error as ApplicationFailure).nonRetryable).toBe(true);
    expect((error as ApplicationFailure).message).toMatch(/^outreach request: category:/);
  });

  it('refuses SMS to a customer without a phone number, non-retryable', async () => {
    const error = await activities
      .deliverOutreach(customerRequest({ channel: 'sms' }))
      .catch((caught: unknown) => caught as ApplicationFailure);
    expect(error).toMatchObject({
      nonRetryable: true,
      message: expect.stringMatching(/cannot reach customer ada on sms/),
    });
  });

  it('names the missing template', async () => {
    const error = await activities
      .deliverOutreach(customerRequest({ template: 'no.such-template' }))
      .then(() => new Error('expected a failure'))
      .catch((caught: unknown) => caught as Error);
    expect(error.message).toMatch(/no template "no.such-template" for brand nordhem/);
  });
});

describe('unsubscribe tokens', () => {
  const claims = { brand: 'nordhem', customerId: 'ada', category: 'promotional' as const };
  const issued = new Date('2027-06-16T12:00:00Z');
  it('verifies a fresh token and refuses a tampered, a foreign or an expired one', () => {
    const token = createUnsubscribeToken(claims, TEST_UNSUBSCRIBE_SECRET, issued);
    expect(verifyUnsubscribeToken(token, TEST_UNSUBSCRIBE_SECRET, issued)).toEqual({
      valid: true,
      claims: { ...claims, exp: issued.getTime() / 1000 + 90 * 86_400 },
    });
    const [payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, customerId: 'bob', exp: 9_999_999_999 })).toString(
      'base64url',
    );
    expect(verifyUnsubscribeToken(`${forged}.${signature}`, TEST_UNSUBSCRIBE_SECRET, issued)).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
    expect(verifyUnsubscribeToken(token, 'another-secret-0123456789', issued)).toMatchObject({ valid: false });
    expect(verifyUnsubscribeToken(`${payload}`, TEST_UNSUBSCRIBE_SECRET, issued)).toMatchObject({
      reason: 'malformed',
    });
    const later = new Date(issued.getTime() + 91 * 86_400_000);
    expect(verifyUnsubscribeToken(token, TEST_UNSUBSCRIBE_SECRET, later)).toEqual({ valid: false, reason: 'expired' });
  });
});

/** A header's unfolded value as sent (mailparser turns List-* headers into structures). */
function rawHeader(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((header) => header.key === name)?.line;
  return line
    ?.slice(line.indexOf(':') + 1)
    .replace(/\r?\n\s+/g, ' ')
    .trim();
}

async function startReceiver(): Promise<typeof tasks> {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tasks`, received };
}
