import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PreparedStatements } from '../sqlite-statements';
import { Pool } from 'pg';
import type { Channel, MessageCategory } from '../../common/events';
import type { ContactHistoryEntry } from '../../common/outreach/policy';

/**
 * The delivery ledger: every outreach attempt and its outcome, keyed by idempotency key.
 * It is what makes delivery effectively-once (a key already sent is never sent again) and
 * it is the contact history operators and compliance ask for (the policy reads the journey's own).
 * SQLite file by default (one machine); PostgreSQL when configured, so workers on several
 * machines share it. Both speak the same schema.
 */
export type DeliveryStatus = 'sending' | 'sent' | 'task-created' | 'failed';
export const DELIVERED: ReadonlySet<DeliveryStatus> = new Set(['sent', 'task-created']);

export interface DeliveryEntry {
  idempotencyKey: string;
  brand: string;
  recipientKind: 'customer' | 'person' | 'team';
  recipientId: string;
  category: MessageCategory;
  template: string;
  reason: string;
  channel: Channel;
}

export interface DeliveryRecord extends DeliveryEntry {
  status: DeliveryStatus;
  messageId: string | null;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  /** 'interrupted': the attempt stopped mid-send (its worker died); the next attempt closed it. */
  outcome: 'sending' | 'sent' | 'task-created' | 'failed' | 'interrupted';
  error: string | null;
}

export interface DecisionEntry {
  idempotencyKey: string;
  brand: string;
  customerId: string;
  category: MessageCategory;
  reason: string;
  decision: 'send' | 'defer' | 'suppress';
  channel?: Channel;
  until?: string;
  rule?: string;
  why?: string;
  decidedAt: string;
}

export interface AttemptStart {
  attempt: number;
  /** The status before this attempt: 'sending' means an earlier attempt died mid-send. */
  previousStatus: DeliveryStatus | undefined;
}

export interface DeliveryLedger {
  readonly kind: 'sqlite' | 'postgres';
  find(idempotencyKey: string): Promise<DeliveryRecord | undefined>;
  beginAttempt(entry: DeliveryEntry, at: Date): Promise<AttemptStart>;
  markDelivered(
    idempotencyKey: string,
    outcome: { status: 'sent' | 'task-created'; channel: Channel; messageId?: string },
    at: Date,
  ): Promise<void>;
  markFailed(idempotencyKey: string, error: string, at: Date): Promise<void>;
  attempts(idempotencyKey: string): Promise<AttemptRecord[]>;
  /** Customer contacts delivered since `since`, oldest first: for operators and reports. */
  contactHistory(brand: string, customerId: string, since: Date): Promise<ContactHistoryEntry[]>;
  recordDecision(decision: DecisionEntry): Promise<void>;
  close(): Promise<void>;
}

/** What a later attempt writes on an earlier one that never finished. */
const INTERRUPTED = 'stopped mid-send (the worker stopped); the next attempt resent with the same key';

const COLUMNS = `idempotency_key AS "idempotencyKey", brand, recipient_kind AS "recipientKind",
  recipient_id AS "recipientId", category, template, reason, channel, status, message_id AS "messageId",
  attempts, last_error AS "lastError", created_at AS "createdAt", updated_at AS "updatedAt",
  delivered_at AS "deliveredAt"`;

function schema(timestamp: string, serial: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS outreach_deliveries (
      idempotency_key TEXT PRIMARY KEY,
      brand TEXT NOT NULL,
      recipient_kind TEXT NOT NULL,
      recipient_id TEXT NOT NULL,
      category TEXT NOT NULL,
      template TEXT NOT NULL,
      reason TEXT NOT NULL,
      channel TEXT NOT NULL,
      status TEXT NOT NULL,
      message_id TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      created_at ${timestamp} NOT NULL,
      updated_at ${timestamp} NOT NULL,
      delivered_at ${timestamp}
    )`,
    `CREATE INDEX IF NOT EXISTS outreach_deliveries_recipient
      ON outreach_deliveries (brand, recipient_kind, recipient_id, delivered_at)`,
    `CREATE TABLE IF NOT EXISTS outreach_attempts (
      idempotency_key TEXT NOT NULL REFERENCES outreach_deliveries (idempotency_key),
      attempt INTEGER NOT NULL,
      started_at ${timestamp} NOT NULL,
      finished_at ${timestamp},
      outcome TEXT NOT NULL,
      error TEXT,
      PRIMARY KEY (idempotency_key, attempt)
    )`,
    `CREATE TABLE IF NOT EXISTS outreach_decisions (
      id ${serial},
      idempotency_key TEXT NOT NULL,
      brand TEXT NOT NULL,
      customer_id TEXT NOT NULL,
      category TEXT NOT NULL,
      reason TEXT NOT NULL,
      decision TEXT NOT NULL,
      channel TEXT,
      until_at ${timestamp},
      rule TEXT,
      why TEXT,
      decided_at ${timestamp} NOT NULL
    )`,
  ];
}

// ---------------------------------------------------------------- SQLite

export class SqliteDeliveryLedger implements DeliveryLedger {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly sql: PreparedStatements;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.sql = new PreparedStatements(this.db);
    // WAL: several processes (worker, CLI) can read while the worker writes.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    for (const statement of schema('TEXT', 'INTEGER PRIMARY KEY AUTOINCREMENT')) this.db.exec(statement);
  }

  async find(idempotencyKey: string): Promise<DeliveryRecord | undefined> {
    return this.sql.of(`SELECT ${COLUMNS} FROM outreach_deliveries WHERE idempotency_key = ?`).get(idempotencyKey) as
      DeliveryRecord | undefined;
  }

  async beginAttempt(entry: DeliveryEntry, at: Date): Promise<AttemptStart> {
    const now = at.toISOString();
    const begin = this.db.transaction((): AttemptStart => {
      const previous = this.sql
        .of('SELECT status, attempts FROM outreach_deliveries WHERE idempotency_key = ?')
        .get(entry.idempotencyKey) as { status: DeliveryStatus; attempts: number } | undefined;
      // Never reopen a delivered key: the caller answers 'duplicate'.
      if (previous && DELIVERED.has(previous.status))
        return { attempt: previous.attempts, previousStatus: previous.status };
      if (!previous) {
        this.sql
          .of(
            `INSERT INTO outreach_deliveries (idempotency_key, brand, recipient_kind, recipient_id, category,
              template, reason, channel, status, attempts, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?)`,
          )
          .run(...entryValues(entry), now, now);
      } else {
        this.sql
          .of(
            `UPDATE outreach_deliveries SET status = 'sending', attempts = attempts + 1, channel = ?, updated_at = ?
             WHERE idempotency_key = ?`,
          )
          .run(entry.channel, now, entry.idempotencyKey);
      }
      const attempt = (previous?.attempts ?? 0) + 1;
      this.sql
        .of(
          `UPDATE outreach_attempts SET outcome = 'interrupted', error = ?, finished_at = ?
           WHERE idempotency_key = ? AND outcome = 'sending'`,
        )
        .run(INTERRUPTED, now, entry.idempotencyKey);
      this.sql
        .of(`INSERT INTO outreach_attempts (idempotency_key, attempt, started_at, outcome) VALUES (?, ?, ?, 'sending')`)
        .run(entry.idempotencyKey, attempt, now);
      return { attempt, previousStatus: previous?.status };
    });
    return begin.immediate();
  }

  async markDelivered(
    idempotencyKey: string,
    outcome: { status: 'sent' | 'task-created'; channel: Channel; messageId?: string },
    at: Date,
  ): Promise<void> {
    const now = at.toISOString();
    this.db.transaction(() => {
      this.sql
        .of(
          `UPDATE outreach_deliveries SET status = ?, channel = ?, message_id = ?, delivered_at = ?, updated_at = ?,
             last_error = NULL WHERE idempotency_key = ?`,
        )
        .run(outcome.status, outcome.channel, outcome.messageId ?? null, now, now, idempotencyKey);
      this.finishAttempt(idempotencyKey, outcome.status, null, now);
    })();
  }

  async markFailed(idempotencyKey: string, error: string, at: Date): Promise<void> {
    const now = at.toISOString();
    this.db.transaction(() => {
      this.sql
        .of(
          `UPDATE outreach_deliveries SET status = 'failed', last_error = ?, updated_at = ? WHERE idempotency_key = ?`,
        )
        .run(error, now, idempotencyKey);
      this.finishAttempt(idempotencyKey, 'failed', error, now);
    })();
  }

  private finishAttempt(idempotencyKey: string, outcome: string, error: string | null, now: string): void {
    this.sql
      .of(
        `UPDATE outreach_attempts SET outcome = ?, error = ?, finished_at = ?
         WHERE idempotency_key = ? AND attempt = (SELECT attempts FROM outreach_deliveries WHERE idempotency_key = ?)`,
      )
      .run(outcome, error, now, idempotencyKey, idempotencyKey);
  }

  async attempts(idempotencyKey: string): Promise<AttemptRecord[]> {
    return this.sql
      .of(
        `SELECT attempt, started_at AS "startedAt", finished_at AS "finishedAt", outcome, error
         FROM outreach_attempts WHERE idempotency_key = ? ORDER BY attempt`,
      )
      .all(idempotencyKey) as AttemptRecord[];
  }

  async contactHistory(brand: string, customerId: string, since: Date): Promise<ContactHistoryEntry[]> {
    return this.sql
      .of(
        `SELECT delivered_at AS "at", category, reason, channel FROM outreach_deliveries
         WHERE brand = ? AND recipient_kind = 'customer' AND recipient_id = ?
           AND status IN ('sent', 'task-created') AND delivered_at >= ?
         ORDER BY delivered_at`,
      )
      .all(brand, customerId, since.toISOString()) as ContactHistoryEntry[];
  }

  async recordDecision(decision: DecisionEntry): Promise<void> {
    // Idempotent: a journey retries a write the ledger may already have taken (an outage, a timeout).
    this.sql
      .of(
        `INSERT INTO outreach_decisions (idempotency_key, brand, customer_id, category, reason, decision, channel,
          until_at, rule, why, decided_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
         WHERE NOT EXISTS (SELECT 1 FROM outreach_decisions WHERE idempotency_key = ? AND decision = ? AND decided_at = ?)`,
      )
      .run(...decisionValues(decision), decision.idempotencyKey, decision.decision, decision.decidedAt);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

// ---------------------------------------------------------------- PostgreSQL

export class PostgresDeliveryLedger implements DeliveryLedger {
  readonly kind = 'postgres';
  private constructor(private readonly pool: Pool) {}

  static async connect(connectionString: string): Promise<PostgresDeliveryLedger> {
    const pool = new Pool({ connectionString, max: 5 });
    // An idle connection dropped by the server (restart, failover) must not crash the worker:
    // the pool replaces it on the next query.
    pool.on('error', (error) => console.warn(`delivery ledger: idle PostgreSQL connection lost: ${error.message}`));
    const client = await pool.connect();
    try {
      // Serialise schema creation across workers starting at once.
      await client.query('SELECT pg_advisory_lock(727001)');
      for (const statement of schema('TIMESTAMPTZ', 'BIGSERIAL PRIMARY KEY')) await client.query(statement);
      await client.query('SELECT pg_advisory_unlock(727001)');
    } finally {
      client.release();
    }
    return new PostgresDeliveryLedger(pool);
  }

  async find(idempotencyKey: string): Promise<DeliveryRecord | undefined> {
    const result = await this.pool.query(`SELECT ${COLUMNS} FROM outreach_deliveries WHERE idempotency_key = $1`, [
      idempotencyKey,
    ]);
    const row = result.rows[0] as Record<string, unknown> | undefined;
    return row ? (isoTimestamps(row) as unknown as DeliveryRecord) : undefined;
  }

  async beginAttempt(entry: DeliveryEntry, at: Date): Promise<AttemptStart> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO outreach_deliveries (idempotency_key, brand, recipient_kind, recipient_id, category, template,
           reason, channel, status, attempts, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'new', 0, $9, $9) ON CONFLICT (idempotency_key) DO NOTHING`,
        [...entryValues(entry), at],
      );
      // The row lock makes concurrent attempts of one key take turns.
      const previous = await client.query(
        'SELECT status, attempts FROM outreach_deliveries WHERE idempotency_key = $1 FOR UPDATE',
        [entry.idempotencyKey],
      );
      const row = previous.rows[0] as { status: DeliveryStatus | 'new'; attempts: number };
      if (row.status !== 'new' && DELIVERED.has(row.status)) {
        await client.query('COMMIT');
        return { attempt: row.attempts, previousStatus: row.status };
      }
      const attempt = row.attempts + 1;
      await client.query(
        `UPDATE outreach_attempts SET outcome = 'interrupted', error = $2, finished_at = $3
         WHERE idempotency_key = $1 AND outcome = 'sending'`,
        [entry.idempotencyKey, INTERRUPTED, at],
      );
      await client.query(
        `UPDATE outreach_deliveries SET status = 'sending', attempts = $2, channel = $3, updated_at = $4
         WHERE idempotency_key = $1`,
        [entry.idempotencyKey, attempt, entry.channel, at],
      );
      await client.query(
        `INSERT INTO outreach_attempts (idempotency_key, attempt, started_at, outcome) VALUES ($1, $2, $3, 'sending')`,
        [entry.idempotencyKey, attempt, at],
      );
      await client.query('COMMIT');
      return { attempt, previousStatus: row.status === 'new' ? undefined : row.status };
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async markDelivered(
    idempotencyKey: string,
    outcome: { status: 'sent' | 'task-created'; channel: Channel; messageId?: string },
    at: Date,
  ): Promise<void> {
    await this.pool.query(
      `WITH delivery AS (
         UPDATE outreach_deliveries SET status = $2, channel = $3, message_id = $4, delivered_at = $5, updated_at = $5,
           last_error = NULL WHERE idempotency_key = $1 RETURNING attempts)
       UPDATE outreach_attempts SET outcome = $2, finished_at = $5
       WHERE idempotency_key = $1 AND attempt = (SELECT attempts FROM delivery)`,
      [idempotencyKey, outcome.status, outcome.channel, outcome.messageId ?? null, at],
    );
  }

  async markFailed(idempotencyKey: string, error: string, at: Date): Promise<void> {
    await this.pool.query(
      `WITH delivery AS (
         UPDATE outreach_deliveries SET status = 'failed', last_error = $2, updated_at = $3
         WHERE idempotency_key = $1 RETURNING attempts)
       UPDATE outreach_attempts SET outcome = 'failed', error = $2, finished_at = $3
       WHERE idempotency_key = $1 AND attempt = (SELECT attempts FROM delivery)`,
      [idempotencyKey, error, at],
    );
  }

  async attempts(idempotencyKey: string): Promise<AttemptRecord[]> {
    const result = await this.pool.query(
      `SELECT attempt, started_at AS "startedAt", finished_at AS "finishedAt", outcome, error
       FROM outreach_attempts WHERE idempotency_key = $1 ORDER BY attempt`,
      [idempotencyKey],
    );
    return result.rows.map((row: Record<string, unknown>) => isoTimestamps(row) as unknown as AttemptRecord);
  }

  async contactHistory(brand: string, customerId: string, since: Date): Promise<ContactHistoryEntry[]> {
    const result = await this.pool.query(
      `SELECT delivered_at AS "at", category, reason, channel FROM outreach_deliveries
       WHERE brand = $1 AND recipient_kind = 'customer' AND recipient_id = $2
         AND status IN ('sent', 'task-created') AND delivered_at >= $3
       ORDER BY delivered_at`,
      [brand, customerId, since],
    );
    return result.rows.map((row: Record<string, unknown>) => isoTimestamps(row) as unknown as ContactHistoryEntry);
  }

  async recordDecision(decision: DecisionEntry): Promise<void> {
    // Idempotent: a journey retries a write the ledger may already have taken (an outage, a timeout).
    await this.pool.query(
      `INSERT INTO outreach_decisions (idempotency_key, brand, customer_id, category, reason, decision, channel,
        until_at, rule, why, decided_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9, $10, $11::timestamptz
       WHERE NOT EXISTS (SELECT 1 FROM outreach_decisions
         WHERE idempotency_key = $1 AND decision = $6 AND decided_at = $11::timestamptz)`,
      decisionValues(decision),
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

// ---------------------------------------------------------------- shared

export interface LedgerConfig {
  /** PostgreSQL connection string; when absent, the SQLite file is used. */
  postgresUrl?: string;
  sqliteFile: string;
}

export async function openDeliveryLedger(config: LedgerConfig): Promise<DeliveryLedger> {
  if (config.postgresUrl) return PostgresDeliveryLedger.connect(config.postgresUrl);
  return new SqliteDeliveryLedger(config.sqliteFile);
}

function entryValues(entry: DeliveryEntry): string[] {
  return [
    entry.idempotencyKey,
    entry.brand,
    entry.recipientKind,
    entry.recipientId,
    entry.category,
    entry.template,
    entry.reason,
    entry.channel,
  ];
}

function decisionValues(decision: DecisionEntry): (string | null)[] {
  return [
    decision.idempotencyKey,
    decision.brand,
    decision.customerId,
    decision.category,
    decision.reason,
    decision.decision,
    decision.channel ?? null,
    decision.until ?? null,
    decision.rule ?? null,
    decision.why ?? null,
    decision.decidedAt,
  ];
}

/** pg returns TIMESTAMPTZ as Date; the ledger's API speaks ISO strings like SQLite's. */
function isoTimestamps(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, value instanceof Date ? value.toISOString() : value]),
  );
}
