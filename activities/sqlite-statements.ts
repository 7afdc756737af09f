import type Database from 'better-sqlite3';

/**
 * The prepared statements of one SQLite connection, each SQL text compiled once.
 *
 * better-sqlite3 compiles a statement's SQL at every `prepare()`. The delivery ledger and the
 * brand statistics run the same few statements for every event (a decision recorded, a transit
 * time read), so compiling them each time was a measurable part of the worker's main thread
 * (issue 13). A statement is synchronous and reusable; none of ours is iterated, which would
 * hold it busy while a second use began.
 */
export class PreparedStatements {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  /** The statement for this SQL text, compiled on first use. */
  of(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      // Bounded all the same: a statement whose text varies (an IN list's length) must not grow it for ever.
      if (this.statements.size >= MAX_STATEMENTS) this.statements.clear();
      this.statements.set(sql, (statement = this.db.prepare(sql)));
    }
    return statement;
  }
}

const MAX_STATEMENTS = 64;
