import path from 'node:path';
import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { Pool } from 'pg';
import { createOutreachActivities } from '../activities/outreach/deliver';
import { messageIdFor } from '../activities/outreach/email';
import { PostgresDeliveryLedger, type DeliveryLedger } from '../activities/outreach/ledger';
import type { OutreachRequestInput } from '../common/outreach/contract';
import { startCaptureServer, type CaptureServer } from '../mail/capture-server';
import { listCapturedMail, rawMessagePath } from '../mail/mailbox';
import { findPostgresBinDir, startTemporaryPostgres, type TemporaryPostgres } from '../scripts/postgres';
import { outreachDependencies, temporaryDirectory } from './helpers/outreach';

/**
 * The shared (PostgreSQL) delivery ledger, against a real PostgreSQL started by the
 * project's own scripts/postgres.ts (initdb into a temp folder, postgres on a free port).
 * Two "workers" (two activity sets with their own connection pools) share one ledger.
 */
const binDir = findPostgresBinDir();
if (!binDir) {
  console.warn(
    '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' +
      '!! PostgreSQL (initdb/postgres) not found: the PostgreSQL ledger tests are SKIPPED.\n' +
      '!! Install it (Debian: apt-get install postgresql, or npm run setup as root).\n' +
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n',
  );
}
const describeWithPostgres = binDir ? describe : describe.skip;

describeWithPostgres('PostgreSQL delivery ledger', () => {
  const tmp = temporaryDirectory('kept-outreach-pg-');
  let postgres: TemporaryPostgres;
  let smtp: CaptureServer;
  const ledgers: DeliveryLedger[] = [];

  beforeAll(async () => {
    postgres = await startTemporaryPostgres(binDir);
    smtp = await startCaptureServer({ port: 0, directory: path.join(tmp.path, 'mail') });
  });

  afterAll(async () => {
    await Promise.all(ledgers.map((ledger) => ledger.close()));
    await smtp?.close();
    await postgres?.stop();
    tmp.remove();
  });

  async function postgresRows(sql: string, values: unknown[]): Promise<unknown[]> {
    const pool = new Pool({ connectionString: postgres.url, max: 1 });
    try {
      return (await pool.query(sql, values)).rows;
    } finally {
      await pool.end();
    }
  }

  async function workerActivities() {
    const ledger = await PostgresDeliveryLedger.connect(postgres.url);
    ledgers.push(ledger);
    return { ledger, activities: createOutreachActivities(outreachDependencies({ smtpPort: smtp.port, ledger })) };
  }

  const request: OutreachRequestInput = {
    idempotencyKey: 'kept/nordhem/customer/ada/order-PG-1/confirmation',
    brand: 'nordhem',
    recipient: { kind: 'customer', customerId: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' },
    category: 'service',
    template: 'case.update',
    reason: 'your repair is scheduled',
    data: { caseId: 'C-9', update: 'a technician comes on Thursday.' },
  };

  it('sends once across two workers sharing the ledger, and keeps the contact history', async () => {
    const first = await workerActivities();
    const second = await workerActivities();
    const sent = await first.activities.deliverOutreach(request);
    const again = await second.activities.deliverOutreach(request);
    expect(sent).toMatchObject({ status: 'sent', messageId: messageIdFor(request.idempotencyKey) });
    expect(again).toMatchObject({ status: 'duplicate', messageId: sent.messageId });

    const mails = listCapturedMail(path.join(tmp.path, 'mail'));
    expect(mails).toHaveLength(1);
    const parsed = await simpleParser(readFileSync(rawMessagePath(path.join(tmp.path, 'mail'), mails[0]!.id)));
    expect(parsed.subject).toBe('Update on your request C-9');
    expect(parsed.text).toContain('a technician comes on Thursday.');

    expect(await second.ledger.find(request.idempotencyKey)).toMatchObject({
      status: 'sent',
      attempts: 1,
      brand: 'nordhem',
      recipientKind: 'customer',
      recipientId: 'ada',
      category: 'service',
      template: 'case.update',
      channel: 'email',
    });
    const history = await second.ledger.contactHistory('nordhem', 'ada', new Date(Date.now() - 60_000));
    expect(history).toEqual([
      { at: expect.any(String), category: 'service', reason: 'your repair is scheduled', channel: 'email' },
    ]);
    expect(Date.parse(history[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('records a failed attempt and the successful retry, and a policy decision', async () => {
    const { ledger } = await workerActivities();
    const key = 'kept/nordhem/customer/ada/retry';
    const entry = {
      ...request,
      idempotencyKey: key,
      recipientKind: 'customer' as const,
      recipientId: 'ada',
      channel: 'email' as const,
    };
    expect(await ledger.beginAttempt(entry, new Date('2027-01-01T10:00:00Z'))).toEqual({
      attempt: 1,
      previousStatus: undefined,
    });
    await ledger.markFailed(key, 'SMTP: connect ECONNREFUSED', new Date('2027-01-01T10:00:01Z'));
    expect(await ledger.beginAttempt(entry, new Date('2027-01-01T10:00:02Z'))).toEqual({
      attempt: 2,
      previousStatus: 'failed',
    });
    await ledger.markDelivered(
      key,
      { status: 'sent', channel: 'email', messageId: '<x@kept>' },
      new Date('2027-01-01T10:00:03Z'),
    );
    // a delivered key is never reopened
    expect(await ledger.beginAttempt(entry, new Date('2027-01-01T10:00:04Z'))).toEqual({
      attempt: 2,
      previousStatus: 'sent',
    });
    expect(await ledger.attempts(key)).toEqual([
      {
        attempt: 1,
        startedAt: '2027-01-01T10:00:00.000Z',
        finishedAt: '2027-01-01T10:00:01.000Z',
        outcome: 'failed',
        error: 'SMTP: connect ECONNREFUSED',
      },
      {
        attempt: 2,
        startedAt: '2027-01-01T10:00:02.000Z',
        finishedAt: '2027-01-01T10:00:03.000Z',
        outcome: 'sent',
        error: null,
      },
    ]);
    const decision = {
      idempotencyKey: key,
      brand: 'nordhem',
      customerId: 'ada',
      category: 'service' as const,
      reason: 'r',
      decision: 'defer' as const,
      channel: 'email' as const,
      until: '2027-01-02T08:00:00.000Z',
      rule: 'quiet-hours',
      why: 'quiet hours 21:00–08:00 in Europe/London',
      decidedAt: '2027-01-01T22:00:00.000Z',
    };
    await ledger.recordDecision(decision);
    // A journey retrying a write the ledger already took (an outage, a timeout) adds no second row.
    await ledger.recordDecision(decision);
    const rows = await postgresRows('SELECT decision FROM outreach_decisions WHERE idempotency_key = $1', [key]);
    expect(rows).toEqual([{ decision: 'defer' }]);
  });

  it('closes an attempt a killed worker left sending when the next attempt begins', async () => {
    const { ledger } = await workerActivities();
    const key = 'kept/nordhem/customer/ada/contact/killed';
    const entry = {
      idempotencyKey: key,
      brand: 'nordhem',
      category: 'service' as const,
      template: 't',
      reason: 'r',
      recipientKind: 'customer' as const,
      recipientId: 'ada',
      channel: 'email' as const,
    };
    await ledger.beginAttempt(entry, new Date('2027-01-01T10:00:00Z'));
    expect(await ledger.beginAttempt(entry, new Date('2027-01-01T10:01:00Z'))).toEqual({
      attempt: 2,
      previousStatus: 'sending',
    });
    await ledger.markDelivered(key, { status: 'sent', channel: 'email' }, new Date('2027-01-01T10:01:01Z'));
    const attempts = await ledger.attempts(key);
    expect(attempts.map(({ outcome, finishedAt }) => [outcome, finishedAt])).toEqual([
      ['interrupted', '2027-01-01T10:01:00.000Z'],
      ['sent', '2027-01-01T10:01:01.000Z'],
    ]);
  });
});
