import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { InvalidEventError } from '../common/events';
import { loadKeptEnv } from '../common/config';
import { connectClient } from './connection';
import { KeptClient } from './kept-client';

/**
 * The operator CLI (`npx kept <command>`). Commander gives help, argument errors and exit
 * codes for free. Exit codes: 0 ok, 1 failure, 2 bad input.
 */
const program = new Command('kept')
  .description('Kept: customer journeys that keep their promises')
  .showHelpAfterError();

program
  .command('event')
  .description('record one lifecycle event (JSON, or @file.json) and print the result')
  .argument('<json>', 'the event as JSON, or @path to a file', parseJsonArgument)
  .option('--json', 'print JSON')
  .action(async (event: unknown, options: { json?: boolean }) => {
    await withKept(async (kept) => {
      const result = Array.isArray(event) ? await kept.recordEvents(event) : await kept.recordEvent(event as never);
      print(result, options.json);
    });
  });

program
  .command('journey')
  .description("show a customer's journey")
  .argument('<brand>')
  .argument('<customerId>')
  .option('--json', 'print JSON')
  .action(async (brand: string, customerId: string, options: { json?: boolean }) => {
    await withKept(async (kept) => print(await kept.getJourney(brand, customerId), options.json));
  });

async function withKept(run: (kept: KeptClient) => Promise<void>): Promise<void> {
  const client = await connectClient();
  try {
    await run(new KeptClient({ client, taskQueue: loadKeptEnv().KEPT_TASK_QUEUE }));
  } finally {
    await client.connection.close();
  }
}

function parseJsonArgument(value: string): unknown {
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
}

function print(value: unknown, _json?: boolean): void {
  console.log(JSON.stringify(value, null, 2));
}

program.parseAsync().catch((error: unknown) => {
  console.error(`kept: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = error instanceof InvalidEventError ? 2 : 1;
});
