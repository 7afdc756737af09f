import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';

/**
 * Rows of an import file, each with the line it came from, before validation.
 *
 * JSONL: one event (a JSON object) per line; blank lines are skipped.
 * CSV: a header row, then one event per row. The columns `type`, `eventId`, `brand`,
 * `customerId`, `occurredAt` are the envelope; a `payload` column holds the rest of the
 * event as a JSON object (e.g. `{"orderId":"o-1","items":[...]}`); any other non-empty
 * column becomes a string field of the same name (e.g. `sku`, `orderId`, `questionId`).
 * Numbers, booleans and lists go in `payload`. A row spanning lines reports its last line.
 */
export type ImportRow = { line: number; value: unknown } | { line: number; error: string };

export function importFormatOf(file: string): 'csv' | 'jsonl' {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  throw new Error(`${file}: use a .csv or .jsonl file`);
}

export async function* readImportRows(file: string): AsyncGenerator<ImportRow> {
  yield* importFormatOf(file) === 'csv' ? readCsv(file) : readJsonl(file);
}

async function* readJsonl(file: string): AsyncGenerator<ImportRow> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    line += 1;
    if (!text.trim()) continue;
    try {
      yield { line, value: JSON.parse(text) };
    } catch (error) {
      yield { line, error: `not valid JSON: ${(error as Error).message}` };
    }
  }
}

async function* readCsv(file: string): AsyncGenerator<ImportRow> {
  const parser = createReadStream(file).pipe(
    parse({ columns: true, info: true, skip_empty_lines: true, trim: true, relax_column_count: true }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    yield csvRecordToRow(record, info.lines);
  }
}

function csvRecordToRow(record: Record<string, string>, line: number): ImportRow {
  const { payload, ...columns } = record;
  const fields = Object.fromEntries(Object.entries(columns).filter(([, value]) => value !== '' && value !== undefined));
  if (!payload) return { line, value: fields };
  let extra: unknown;
  try {
    extra = JSON.parse(payload);
  } catch (error) {
    return { line, error: `payload: not valid JSON: ${(error as Error).message}` };
  }
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
    return { line, error: 'payload: must be a JSON object' };
  }
  return { line, value: { ...fields, ...extra } };
}
