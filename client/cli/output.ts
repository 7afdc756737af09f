import Table from 'cli-table3';

/** Exit codes that mean something to scripts. */
export const EXIT = { ok: 0, failure: 1, badInput: 2, notFound: 3, interrupted: 130 } as const;

/** An error that carries the exit code to end with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** A readable table (cli-table3); an empty list prints the `empty` line instead. */
export function printTable(head: string[], rows: (string | number)[][], empty: string): void {
  if (rows.length === 0) {
    console.log(empty);
    return;
  }
  const table = new Table({ head, style: { head: [], border: [] } });
  table.push(...rows.map((row) => row.map(String)));
  console.log(table.toString());
}
