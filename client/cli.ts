import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ZodError } from 'zod';
import { InvalidEventError, idSchema, type EventTimeBounds } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { importEventTimeBounds, liveEventTimeBounds, loadKeptEnv, projectPath, type KeptEnv } from '../common/config';
import { loadServiceProfiles } from '../common/profiles/load-profiles';
import { listCapturedMail } from '../mail/mailbox';
import { pauseOutreachUpdate, resumeOutreachUpdate } from '../workflows/journey/messages';
import { stampMissingOccurredAt } from './cli/event-command';
import { formatImportSummary, importCommand } from './cli/import-command';
import { formatJourney } from './cli/journey-view';
import { describeOutcome } from './cli/outcome';
import { formatInZone } from '../workflows/journey/operator-view';
import { CliError, EXIT, printJson, printTable } from './cli/output';
import { buildReport, type KeptReport } from './cli/report';
import { connectClient } from './connection';
import { KeptClient } from './kept-client';
import { listPromises, type PromiseListFilterInput, type PromiseListItem } from './promise-list';
import { InvalidPromiseError, PromiseClient, PromiseClosedError, PromiseNotFoundError } from './promises';

/**
 * The operator CLI (`npx kept <command>`, `npm run kept -- <command>`). Readable output by
 * default, `--json` for scripts. Exit codes: 0 ok, 1 failure, 2 bad input, 3 not found,
 * 130 interrupted (an import resumes on the next run; a backtest leaves nothing running).
 */
const program = new Command('kept')
  .description('Kept: customer journeys that keep their promises')
  .showHelpAfterError()
  .exitOverride();

program
  .command('event')
  .description('record one lifecycle event, or a JSON array of them (JSON, or @file.json); occurredAt defaults to now')
  .argument('<json>', 'the event as JSON, or @path to a file', parseJsonArgument)
  .option('--json', 'print JSON (the default for this command)')
  .action(async (input: unknown) => {
    const event = stampMissingOccurredAt(input, new Date());
    await withClients(async ({ kept }) => {
      const result = Array.isArray(event) ? await kept.recordEvents(event) : await kept.recordEvent(event as never);
      printJson(result);
    }, liveEventTimeBounds);
  });

program
  .command('journey')
  .description("show a customer's journey: summary, orders, cases, consent, stages")
  .argument('<brand>', 'brand id', parseId)
  .argument('<customerId>', 'customer id', parseId)
  .option('--json', 'print the whole journey state as JSON')
  .action(async (brand: string, customerId: string, options: { json?: boolean }) => {
    await withClients(async ({ kept }) => {
      const state = await kept.getJourney(brand, customerId).catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) {
          throw new CliError(
            `no journey for ${customerId} at ${brand} (${journeyWorkflowId(brand, customerId)})`,
            EXIT.notFound,
          );
        }
        throw error;
      });
      if (options.json) printJson(state);
      else console.log(formatJourney(state, state.brandProfile?.timezone ?? brandZone(brand)));
    });
  });

program
  .command('promises')
  .description('list promises from Temporal visibility: at risk, overdue, breached, or by status')
  .addOption(
    new Option('--at-risk', 'running promises at risk of being late').conflicts(['overdue', 'breached', 'status']),
  )
  .addOption(new Option('--overdue', 'running promises past their due time').conflicts(['breached', 'status']))
  .addOption(new Option('--breached', 'running promises already breached').conflicts('status'))
  .option('--status <status>', 'open, at-risk, breached, kept, kept-late, renegotiated, cancelled')
  .option('--brand <brand>', 'only this brand', parseId)
  .option('--team <team>', 'only this team', parseId)
  .option('--owner <owner>', 'only this owner', parseId)
  .option('--limit <n>', 'at most this many', parsePositiveInt, 100)
  .option('--json', 'print JSON')
  .action(async (options: PromisesOptions) => {
    await withClients(async ({ client }) => {
      // zod checks the status (bad input: exit 2).
      const status = (
        options.atRisk ? 'at-risk' : options.breached ? 'breached' : options.status
      ) as PromiseListFilterInput['status'];
      const list = await listPromises(client, {
        ...definedOnly({ brand: options.brand, team: options.team, owner: options.owner, status }),
        ...(options.overdue ? { overdue: true } : {}),
        limit: options.limit,
      }).catch(badInputOnZodError);
      if (options.json) printJson(list);
      else printPromiseTable(list);
    });
  });

program
  .command('promise')
  .description('show one promise')
  .argument('<brand>', 'brand id', parseId)
  .argument('<promiseId>', 'promise id', parseId)
  .action(async (brand: string, promiseId: string) => {
    await withClients(async ({ promises }) => printJson(await promises.getPromise(brand, promiseId)));
  });

program
  .command('fulfil')
  .description('mark a promise as kept')
  .argument('<brand>', 'brand id', parseId)
  .argument('<promiseId>', 'promise id', parseId)
  .option('--note <text>', 'what was done')
  .option('--json', 'print JSON')
  .action(async (brand: string, promiseId: string, options: { note?: string; json?: boolean }) => {
    await withClients(async ({ promises }) => {
      const outcome = await promises.fulfilPromise(brand, promiseId, definedOnly({ note: options.note }));
      if (options.json) printJson(outcome);
      else console.log(`promise ${promiseId} at ${brand}: ${describeOutcome(outcome, brandZone(brand))}`);
    });
  });

program
  .command('renegotiate')
  .description('move the due time of a promise, with the reason the customer agreed to')
  .argument('<brand>', 'brand id', parseId)
  .argument('<promiseId>', 'promise id', parseId)
  .addOption(new Option('--at <instant>', 'new due time (ISO 8601)').conflicts('within'))
  .option('--within <duration>', 'new due time as business time from now, e.g. PT4H or P2D')
  .requiredOption('--reason <text>', 'why the due time moves')
  .option('--json', 'print JSON')
  .action(
    async (
      brand: string,
      promiseId: string,
      options: { at?: string; within?: string; reason: string; json?: boolean },
    ) => {
      if (!options.at && !options.within)
        throw new CliError('give the new due time: --at <instant> or --within <duration>', EXIT.badInput);
      const due = options.at ? { at: options.at } : { within: options.within! };
      await withClients(async ({ promises }) => {
        const state = await promises.renegotiatePromise(brand, promiseId, { due, reason: options.reason });
        if (options.json) printJson(state);
        else
          console.log(
            `promise ${promiseId} at ${brand}: now due ${formatInZone(state.dueAt, brandZone(brand))} (renegotiated ${state.renegotiations}×)`,
          );
      });
    },
  );

program
  .command('reassign')
  .description('give a promise to another person or team')
  .argument('<brand>', 'brand id', parseId)
  .argument('<promiseId>', 'promise id', parseId)
  .requiredOption('--owner <id>', 'the new owner', parseId)
  .addOption(new Option('--kind <kind>', 'owner kind').choices(['person', 'team']).default('person'))
  .option('--team <team>', "the owner's team", parseId)
  .option('--reason <text>', 'why')
  .option('--json', 'print JSON')
  .action(
    async (
      brand: string,
      promiseId: string,
      options: { owner: string; kind: 'person' | 'team'; team?: string; reason?: string; json?: boolean },
    ) => {
      await withClients(async ({ promises }) => {
        const owner = { kind: options.kind, id: options.owner, ...definedOnly({ team: options.team }) };
        const state = await promises.reassignPromise(brand, promiseId, {
          owner,
          ...definedOnly({ reason: options.reason }),
        });
        if (options.json) printJson(state);
        else
          console.log(
            `promise ${promiseId} at ${brand}: owner ${state.owner.id}${state.owner.team ? ` (${state.owner.team})` : ''}`,
          );
      });
    },
  );

program
  .command('pause')
  .description("hold a customer's pending outreach (all of it, or one order's) until resumed or --until")
  .argument('<brand>', 'brand id', parseId)
  .argument('<customerId>', 'customer id', parseId)
  .requiredOption('--reason <text>', 'why, for the journey history')
  .option('--until <instant>', 'resume by itself at this time (ISO 8601)')
  .option('--order <orderId>', 'only this order', parseId)
  .option('--json', 'print JSON')
  .action(
    async (
      brand: string,
      customerId: string,
      options: { reason: string; until?: string; order?: string; json?: boolean },
    ) => {
      await withClients(async ({ client }) => {
        const handle = client.workflow.getHandle(journeyWorkflowId(brand, customerId));
        const args = { reason: options.reason, ...definedOnly({ until: options.until, orderId: options.order }) };
        const result = await handle
          .executeUpdate(pauseOutreachUpdate, { args: [args] })
          .catch(journeyNotFound(brand, customerId));
        if (options.json) printJson(result);
        else console.log(`outreach for ${customerId} at ${brand} paused (${result.paused} pending contact(s) held)`);
      });
    },
  );

program
  .command('resume')
  .description("resume a customer's paused outreach")
  .argument('<brand>', 'brand id', parseId)
  .argument('<customerId>', 'customer id', parseId)
  .option('--order <orderId>', 'only this order', parseId)
  .option('--json', 'print JSON')
  .action(async (brand: string, customerId: string, options: { order?: string; json?: boolean }) => {
    await withClients(async ({ client }) => {
      const handle = client.workflow.getHandle(journeyWorkflowId(brand, customerId));
      const args = definedOnly({ orderId: options.order });
      const result = await handle
        .executeUpdate(resumeOutreachUpdate, { args: [args] })
        .catch(journeyNotFound(brand, customerId));
      if (options.json) printJson(result);
      else
        console.log(`outreach for ${customerId} at ${brand} resumed (${result.resumed} pending contact(s) released)`);
    });
  });

program
  .command('done')
  .description('mark a task Kept handed you as done (the task message names the command)')
  .argument('<brand>', 'brand id', parseId)
  .argument('<customerId>', 'customer id', parseId)
  .argument('<taskId>', 'the task id, e.g. t-1a2b3c4d', parseId)
  .option('--note <text>', 'what was done')
  .option('--by <id>', 'who did it', parseId)
  .option('--json', 'print JSON')
  .action(
    async (
      brand: string,
      customerId: string,
      taskId: string,
      options: { note?: string; by?: string; json?: boolean },
    ) => {
      await withClients(async ({ kept }) => {
        // One event id per task: marking it done twice records it once.
        const result = await kept.recordEvent({
          type: 'task.completed',
          eventId: `${taskId}-done`,
          brand,
          customerId,
          occurredAt: new Date().toISOString(),
          taskId,
          ...definedOnly({ note: options.note, by: options.by }),
        });
        if (options.json) printJson(result);
        else
          console.log(
            `task ${taskId} for ${customerId} at ${brand}: ${result.duplicate ? 'already marked done' : 'marked done'}`,
          );
      }, liveEventTimeBounds);
    },
  );

program
  .command('import')
  .description('import a history of events from CSV or JSONL (resumable; rejected rows reported)')
  .argument('<file>', '.csv (envelope columns + payload JSON column) or .jsonl (one event per line)')
  .option('--concurrency <n>', 'customers imported at the same time', parsePositiveInt, 8)
  .option('--state-file <path>', 'progress file (default <file>.import-state.json)')
  .option('--rejects-file <path>', 'rejected rows, one JSON line each (default <file>.rejects.jsonl)')
  .option('--send-outreach', 'let the journeys send outreach for these events (default: history is silent)')
  .option('--json', 'print the summary as JSON')
  .action(
    async (
      file: string,
      options: {
        concurrency: number;
        stateFile?: string;
        rejectsFile?: string;
        sendOutreach?: boolean;
        json?: boolean;
      },
    ) => {
      // The journeys get history of any age; the rows were checked against the import window (1970 to now + skew).
      await withClients(async ({ kept }) => {
        const summary = await importCommand(kept, file, {
          ...options,
          timeBounds: importEventTimeBounds(loadKeptEnv()),
        });
        if (options.json) printJson(summary);
        else console.log(formatImportSummary(summary));
        if (summary.interrupted) throw new CliError('import interrupted; run it again to resume', EXIT.interrupted);
        if (!summary.complete)
          throw new CliError(`${summary.failedCustomers.length} customer(s) failed; run again to retry`, EXIT.failure);
      });
    },
  );

program
  .command('backtest')
  .description('replay a history through the real workflows in virtual time and report what Kept would have done')
  .argument('<history>', '.csv or .jsonl, the formats of kept import')
  .option('--brand <brand>', 'only this brand')
  .option('--config <dir>', 'folder with profiles/, playbooks/ (and templates/)', 'config')
  .option('--from <instant>', 'replay events from this instant on')
  .option('--to <instant>', 'replay events up to this instant, and let journeys run on to it')
  .option(
    '--score-from <instant>',
    'warm-up: replay (and learn from) everything, score late-delivery notices only for orders placed from this instant on',
  )
  .option('--out <dir>', 'where report.json, report.html and the captured mail go', 'backtest-report')
  .option('--concurrency <n>', 'customers whose events of one instant are sent at once, per shard', '8')
  .option('--shards <n>', 'time-skipping servers the customers are spread over, run in parallel', '3')
  .option('--json', 'print the report as JSON')
  .option('--compare <dir>', 'run the history a second time with this config folder and compare')
  // Loaded only for this command: the backtest pulls in @temporalio/worker and its native
  // runtime, which would add about 2.5 s to every other `kept` command.
  .action(async (history: string, options: Record<string, unknown>) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load; tsx runs the CLI as CommonJS
    const { backtestAction } = require('./cli/backtest-action') as typeof import('./cli/backtest-action.js');
    await backtestAction(history, options);
  });

program
  .command('report')
  .description('journeys per stage, promises per status and outcome, kept-rate, at-risk promises per team')
  .option('--brand <brand>', 'only this brand', parseId)
  .option('--json', 'print JSON')
  .action(async (options: { brand?: string; json?: boolean }) => {
    await withClients(async ({ client }) => {
      const report = await buildReport(client, options.brand, brandZone);
      if (options.json) return printJson(report);
      printReport(report);
    });
  });

program
  .command('mail')
  .description('list the mail captured in development (npm start; `npm run mail -- show <id>` reads one)')
  .option('--json', 'print JSON')
  .action((options: { json?: boolean }) => {
    const directory = path.join(projectPath(loadKeptEnv().KEPT_DATA_DIR), 'mail');
    const mails = listCapturedMail(directory).map(({ id, receivedAt, to, subject, duplicatesCollapsed }) => ({
      id,
      receivedAt,
      to,
      subject,
      duplicatesCollapsed,
    }));
    if (options.json) return printJson(mails);
    printTable(
      ['received', 'id', 'to', 'subject'],
      mails.map((m) => [m.receivedAt.slice(0, 19).replace('T', ' '), m.id, m.to, m.subject]),
      `no captured mail in ${directory}`,
    );
  });

program
  .command('schedules')
  .description('apply config/schedules.json to the server (scheduled proactive contacts; idempotent)')
  .allowUnknownOption()
  .argument('[args...]', 'passed to npm run schedules:apply')
  .action(async (args: string[]) => delegate('scripts/apply-schedules.ts', args));

program
  .command('preview')
  .description('render a message template with sample data (as npm run preview)')
  .argument('<brand>', 'brand id', parseId)
  .argument('<template>', 'e.g. delivery.late')
  .argument('[locale]', 'e.g. fr-FR')
  .action(async (brand: string, template: string, locale?: string) =>
    delegate('scripts/preview-template.ts', [brand, template, ...(locale ? [locale] : [])]),
  );

/** Runs one of the project's own scripts with this terminal, and ends with its exit code. */
async function delegate(script: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', projectPath(script), ...args], { stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
  if (code !== 0) throw new CliError(`${path.basename(script)} exited with code ${code}`, code);
}

interface PromisesOptions {
  atRisk?: boolean;
  overdue?: boolean;
  breached?: boolean;
  status?: string;
  brand?: string;
  team?: string;
  owner?: string;
  limit: number;
  json?: boolean;
}

interface Clients {
  client: Client;
  kept: KeptClient;
  promises: PromiseClient;
}

/** Clients for one command; `timeBounds`: the window events must fall in (live events: `kept event`). */
async function withClients(
  run: (clients: Clients) => Promise<void>,
  timeBounds?: (env: KeptEnv) => EventTimeBounds,
): Promise<void> {
  const env = loadKeptEnv();
  const client = await connectClient();
  try {
    const kept = new KeptClient({ client, taskQueue: env.KEPT_TASK_QUEUE, timeBounds: timeBounds?.(env) });
    // Profiles are read lazily: only making a promise needs them, and a bad file should not stop a listing.
    const promises = new PromiseClient({
      client,
      taskQueue: env.KEPT_TASK_QUEUE,
      profiles: (brand) => loadServiceProfiles(projectPath(env.KEPT_PROFILES_DIR)).get(brand),
    });
    await run({ client, kept, promises });
  } finally {
    await client.connection.close();
  }
}

/** The brand's business timezone from its profile; UTC when it has none (or it cannot be read). */
const brandZone = (() => {
  let zones: Map<string, string> | undefined;
  return (brand: string): string => {
    try {
      zones ??= new Map(
        [...loadServiceProfiles(projectPath(loadKeptEnv().KEPT_PROFILES_DIR))].map(([id, profile]) => [
          id,
          profile.businessHours.timezone,
        ]),
      );
    } catch {
      zones = new Map();
    }
    return zones.get(brand) ?? 'UTC';
  };
})();

function printReport(report: KeptReport): void {
  printTable(['stage', 'running journeys'], Object.entries(report.journeysByStage), '');
  printTable(
    ['promises', 'count'],
    [
      ...Object.entries(report.runningPromisesByStatus).map(([status, n]) => [`running, ${status}`, n]),
      ...Object.entries(report.endedPromisesByOutcome).map(([outcome, n]) => [`ended ${outcome}`, n]),
    ],
    '',
  );
  printTable(
    ['team', 'status', 'promise', 'customer', 'owner', 'due (brand time)'],
    report.needingAttention.map((p) => [p.team, p.status, p.promiseId, p.customerId, p.owner, p.dueLocal ?? '']),
    'no promise at risk or breached',
  );
  const { kept, judged } = report.keptRateBasis;
  console.log(
    `kept-rate: ${report.keptRate === null ? 'no promise judged yet' : `${(report.keptRate * 100).toFixed(1)}% (${kept} of ${judged})`}`,
  );
  for (const note of report.notes) console.log(`  ${note}`);
}

function printPromiseTable(list: PromiseListItem[]): void {
  printTable(
    ['promise', 'brand', 'customer', 'status', 'owner', 'team', 'due (brand time)', 'flags'],
    list.map((p) => [
      p.promiseId,
      p.brand,
      p.customerId,
      p.status,
      p.owner,
      p.team ?? '',
      p.dueAt ? formatInZone(p.dueAt, brandZone(p.brand)) : '',
      p.flags.join(' '),
    ]),
    'no promises match',
  );
}

function journeyNotFound(brand: string, customerId: string) {
  return (error: unknown): never => {
    if (error instanceof WorkflowNotFoundError) {
      throw new CliError(
        `no journey for ${customerId} at ${brand} (${journeyWorkflowId(brand, customerId)})`,
        EXIT.notFound,
      );
    }
    throw error;
  };
}

function badInputOnZodError(error: unknown): never {
  if (error instanceof ZodError) {
    throw new CliError(
      error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      EXIT.badInput,
    );
  }
  throw error;
}

function parseJsonArgument(value: string): unknown {
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
}

function parseId(value: string): string {
  const result = idSchema.safeParse(value);
  if (!result.success) throw new InvalidArgumentError(result.error.issues[0]?.message ?? 'not a valid id');
  return value;
}

function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('use a whole number of 1 or more');
  return number;
}

function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

/** The exit code an error means: bad input 2, not found 3, everything else 1. */
function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  if (error instanceof InvalidEventError || error instanceof InvalidPromiseError) return EXIT.badInput;
  if (error instanceof PromiseNotFoundError || error instanceof WorkflowNotFoundError) return EXIT.notFound;
  if (error instanceof PromiseClosedError) return EXIT.failure;
  return EXIT.failure;
}

program.parseAsync().catch((error: unknown) => {
  const code = exitCodeOf(error);
  // Commander already printed its own message (usage errors, --help).
  if (!(error instanceof CommanderError))
    console.error(`kept: ${error instanceof Error ? error.message : String(error)}`);
  // Interrupted: what the command started has already stopped (a backtest's servers, an import's
  // batches in flight). Exit now, so a client's retry timer left over from a closed connection
  // cannot turn a clean Ctrl-C into a crash with exit code 1.
  if (code === EXIT.interrupted) process.exit(code);
  process.exitCode = code;
});
