import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PreparedStatements } from '../sqlite-statements';
import { Pool, type PoolClient } from 'pg';
import { addSample, emptySketch, parseSketch, serializeSketch } from '../../common/anticipation/transit-sketch';
import type { LedgerConfig } from '../outreach/ledger';

/**
 * Each brand's learned statistics, in the ledger database (SQLite file, or the shared
 * PostgreSQL): one bounded duration sketch per (brand, metric, scope), e.g. transit times of
 * the brand's parcels overall, with one carrier, to one region; re-order intervals per sku.
 * A row is a fixed-size histogram (common/anticipation/transit-sketch.ts), so a brand with
 * millions of deliveries costs the same few rows as one with ten.
 *
 * Learning is idempotent per observation: `brand_statistics_seen` remembers each observation
 * key (the order, or the order and sku), so a delivery imported twice, a retried activity or
 * a replayed journey never counts twice.
 */
export interface StatisticsObservation {
  /** e.g. `transit`, `reorder`. */
  metric: string;
  /** Unique per thing observed (the order id; order id + sku for re-order intervals). */
  key: string;
  /** Every scope this observation belongs to, e.g. `*`, `carrier=dhl`, `region=north`. */
  scopes: string[];
  durationMs: number;
}

export interface StoredSketch {
  scope: string;
  sketch: string;
  samples: number;
}

export interface BrandStatisticsStore {
  /** Adds the observation to each of its scopes, once: false when the key was seen before. */
  record(brand: string, observation: StatisticsObservation, at: Date): Promise<boolean>;
  /** The sketches of these scopes that have any sample. */
  read(brand: string, metric: string, scopes: string[]): Promise<StoredSketch[]>;
  close(): Promise<void>;
}

function schema(timestamp: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS brand_statistics (
      brand TEXT NOT NULL,
      metric TEXT NOT NULL,
      scope TEXT NOT NULL,
      sketch TEXT NOT NULL,
      samples INTEGER NOT NULL,
      updated_at ${timestamp} NOT NULL,
      PRIMARY KEY (brand, metric, scope)
    )`,
    `CREATE TABLE IF NOT EXISTS brand_statistics_seen (
      brand TEXT NOT NULL,
      metric TEXT NOT NULL,
      observation_key TEXT NOT NULL,
      PRIMARY KEY (brand, metric, observation_key)
    )`,
  ];
}

/** The sketch after one more sample (a missing row starts empty). */
function withSample(stored: string | undefined, durationMs: number): { sketch: string; samples: number } {
  const sketch = addSample(stored ? parseSketch(stored) : emptySketch(), durationMs);
  return { sketch: serializeSketch(sketch), samples: sketch.counts.reduce((sum, count) => sum + count, 0) };
}

const uniqueScopes = (scopes: string[]): string[] => [...new Set(scopes)].sort();

export class SqliteBrandStatistics implements BrandStatisticsStore {
  private readonly db: Database.Database;
  private readonly sql: PreparedStatements;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.sql = new PreparedStatements(this.db);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    for (const statement of schema('TEXT')) this.db.exec(statement);
  }

  async record(brand: string, observation: StatisticsObservation, at: Date): Promise<boolean> {
    const learn = this.db.transaction((): boolean => {
      const seen = this.sql
        .of('INSERT OR IGNORE INTO brand_statistics_seen (brand, metric, observation_key) VALUES (?, ?, ?)')
        .run(brand, observation.metric, observation.key);
      if (seen.changes === 0) return false;
      for (const scope of uniqueScopes(observation.scopes)) {
        const row = this.sql
          .of('SELECT sketch FROM brand_statistics WHERE brand = ? AND metric = ? AND scope = ?')
          .get(brand, observation.metric, scope) as { sketch: string } | undefined;
        const next = withSample(row?.sketch, observation.durationMs);
        this.sql
          .of(
            `INSERT INTO brand_statistics (brand, metric, scope, sketch, samples, updated_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (brand, metric, scope) DO UPDATE SET sketch = excluded.sketch, samples = excluded.samples,
               updated_at = excluded.updated_at`,
          )
          .run(brand, observation.metric, scope, next.sketch, next.samples, at.toISOString());
      }
      return true;
    });
    return learn.immediate();
  }

  async read(brand: string, metric: string, scopes: string[]): Promise<StoredSketch[]> {
    if (scopes.length === 0) return [];
    const placeholders = scopes.map(() => '?').join(', ');
    return this.sql
      .of(
        `SELECT scope, sketch, samples FROM brand_statistics
         WHERE brand = ? AND metric = ? AND scope IN (${placeholders}) ORDER BY scope`,
      )
      .all(brand, metric, ...scopes) as StoredSketch[];
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export class PostgresBrandStatistics implements BrandStatisticsStore {
  private constructor(private readonly pool: Pool) {}

  static async connect(connectionString: string): Promise<PostgresBrandStatistics> {
    const pool = new Pool({ connectionString, max: 3 });
    pool.on('error', (error) => console.warn(`brand statistics: idle PostgreSQL connection lost: ${error.message}`));
    const client = await pool.connect();
    try {
      // Serialise schema creation across workers starting at once (the ledger uses 727001).
      await client.query('SELECT pg_advisory_lock(727002)');
      for (const statement of schema('TIMESTAMPTZ')) await client.query(statement);
      await client.query('SELECT pg_advisory_unlock(727002)');
    } finally {
      client.release();
    }
    return new PostgresBrandStatistics(pool);
  }

  async record(brand: string, observation: StatisticsObservation, at: Date): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const seen = await client.query(
        `INSERT INTO brand_statistics_seen (brand, metric, observation_key) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING observation_key`,
        [brand, observation.metric, observation.key],
      );
      if (seen.rowCount === 0) {
        await client.query('COMMIT');
        return false;
      }
      for (const scope of uniqueScopes(observation.scopes)) await this.addTo(client, brand, observation, scope, at);
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  private async addTo(
    client: PoolClient,
    brand: string,
    observation: StatisticsObservation,
    scope: string,
    at: Date,
  ): Promise<void> {
    // The row lock makes concurrent learners of one scope take turns (no lost update).
    await client.query(
      `INSERT INTO brand_statistics (brand, metric, scope, sketch, samples, updated_at)
       VALUES ($1, $2, $3, $4, 0, $5) ON CONFLICT DO NOTHING`,
      [brand, observation.metric, scope, serializeSketch(emptySketch()), at],
    );
    const row = await client.query(
      'SELECT sketch FROM brand_statistics WHERE brand = $1 AND metric = $2 AND scope = $3 FOR UPDATE',
      [brand, observation.metric, scope],
    );
    const next = withSample((row.rows[0] as { sketch: string }).sketch, observation.durationMs);
    await client.query(
      `UPDATE brand_statistics SET sketch = $4, samples = $5, updated_at = $6
       WHERE brand = $1 AND metric = $2 AND scope = $3`,
      [brand, observation.metric, scope, next.sketch, next.samples, at],
    );
  }

  async read(brand: string, metric: string, scopes: string[]): Promise<StoredSketch[]> {
    if (scopes.length === 0) return [];
    const result = await this.pool.query(
      `SELECT scope, sketch, samples FROM brand_statistics
       WHERE brand = $1 AND metric = $2 AND scope = ANY($3) AND samples > 0 ORDER BY scope`,
      [brand, metric, scopes],
    );
    return result.rows as StoredSketch[];
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** In the ledger database: the same PostgreSQL, or the same SQLite file (its own tables). */
export async function openBrandStatistics(config: LedgerConfig): Promise<BrandStatisticsStore> {
  if (config.postgresUrl) return PostgresBrandStatistics.connect(config.postgresUrl);
  return new SqliteBrandStatistics(config.sqliteFile);
}
