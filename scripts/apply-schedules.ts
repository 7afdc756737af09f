import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, ScheduleNotFoundError, type ScheduleOptions } from '@temporalio/client';
import { Duration } from 'luxon';
import { z } from 'zod';
import { connectClient } from '../client/connection';
import { ConfigError, loadKeptEnv } from '../common/config';
import { timeZoneSchema } from '../common/events';
import { isoDurationSchema } from '../common/profiles/schema';
import { KeptKind } from '../common/search-attributes';
import { sweepInputSchema } from '../common/sweep/schema';

/**
 * Scheduled proactive contacts: `config/schedules.json` declares Temporal Schedules, each
 * starting a `proactiveSweep` workflow; `npm run schedules:apply` makes the server match the
 * file. Idempotent: a schedule whose declaration did not change is left alone (its content
 * hash is kept in the action's memo), a changed one is updated, a `kept-` schedule no longer
 * declared is deleted. Schedules not starting with the prefix are never touched.
 */

export const SCHEDULE_PREFIX = 'kept-';

const timeZone = timeZoneSchema;

export const scheduleSchema = z
  .object({
    id: z
      .string()
      .regex(/^kept-[a-z0-9][a-z0-9-]*$/, 'schedule ids start with kept- (lowercase letters, digits, dashes)')
      .max(100),
    description: z.string().min(1).max(500),
    /** Cron expressions (minute hour day-of-month month day-of-week), in `timezone`. */
    cron: z.array(z.string().min(9).max(100)).min(1).optional(),
    /** Or a fixed interval, e.g. PT6H. */
    every: isoDurationSchema.optional(),
    timezone: timeZone.default('UTC'),
    paused: z.boolean().default(false),
    /** Missed runs (server down) are caught up within this window; later ones are skipped. */
    catchupWindow: isoDurationSchema.default('PT1H'),
    sweep: sweepInputSchema,
  })
  .strict()
  .refine((schedule) => (schedule.cron === undefined) !== (schedule.every === undefined), {
    message: 'give either cron or every',
    path: ['cron'],
  });
export type ScheduleDeclaration = z.infer<typeof scheduleSchema>;

export const schedulesFileSchema = z
  .object({ schedules: z.array(scheduleSchema) })
  .strict()
  .superRefine((file, context) => {
    const seen = new Set<string>();
    file.schedules.forEach((schedule, index) => {
      if (seen.has(schedule.id)) {
        context.addIssue({ code: 'custom', message: `${schedule.id} appears twice`, path: ['schedules', index, 'id'] });
      }
      seen.add(schedule.id);
    });
  });

export const DEFAULT_SCHEDULES_FILE = path.resolve(__dirname, '../config/schedules.json');

/** Reads and validates the file; a bad one names the path of the bad field. */
export function loadSchedules(file: string = DEFAULT_SCHEDULES_FILE): ScheduleDeclaration[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: not readable JSON: ${(error as Error).message}`);
  }
  const result = schedulesFileSchema.safeParse(raw);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new ConfigError(`${file}: ${fields.join('; ')}`);
  }
  return result.data.schedules;
}

export interface ApplyOptions {
  client: Client;
  taskQueue: string;
  file?: string;
  /** Only schedules with this prefix are managed (tests use their own). Default `kept-`. */
  prefix?: string;
  /** Report what would change, change nothing. */
  dryRun?: boolean;
}

export interface ApplyResult {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
}

/**
 * Makes the server's `prefix` schedules match the file. Applying twice changes nothing the
 * second time. Deletion finds schedules through the list, which is eventually consistent: a
 * schedule removed from the file moments after it was created may need a second apply.
 */
export async function applySchedules(options: ApplyOptions): Promise<ApplyResult> {
  const prefix = options.prefix ?? SCHEDULE_PREFIX;
  const declared = loadSchedules(options.file);
  const outside = declared.find((schedule) => !schedule.id.startsWith(prefix));
  if (outside) throw new ConfigError(`schedule ${outside.id} does not start with ${prefix}`);
  const existing = await existingIds(options.client, prefix);
  const result: ApplyResult = { created: [], updated: [], unchanged: [], deleted: [] };
  for (const schedule of declared) {
    const outcome = await applyOne(options, schedule);
    result[outcome].push(schedule.id);
  }
  for (const id of [...existing].sort()) {
    if (declared.some((schedule) => schedule.id === id)) continue;
    if (!options.dryRun) await deleteIfThere(options.client, id);
    result.deleted.push(id);
  }
  return result;
}

async function applyOne(
  options: ApplyOptions,
  schedule: ScheduleDeclaration,
): Promise<'created' | 'updated' | 'unchanged'> {
  const desired = scheduleOptions(schedule, options.taskQueue);
  const handle = options.client.schedule.getHandle(schedule.id);
  // Describe, not the (eventually consistent) list: a schedule created a moment ago is found.
  const current = await handle.describe().catch((error: unknown) => {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  });
  if (!current) {
    if (!options.dryRun) await options.client.schedule.create(desired);
    return 'created';
  }
  const currentHash = current.action.type === 'startWorkflow' ? current.action.memo?.keptConfigHash : undefined;
  if (currentHash === configHash(schedule, options.taskQueue)) return 'unchanged';
  if (!options.dryRun) {
    const { spec, action, policies } = desired;
    await handle.update(() => ({
      spec,
      action,
      policies,
      state: { paused: schedule.paused, note: schedule.description },
    }));
  }
  return 'updated';
}

/** What the server should hold for a declaration. */
export function scheduleOptions(schedule: ScheduleDeclaration, taskQueue: string): ScheduleOptions {
  return {
    scheduleId: schedule.id,
    spec: {
      ...(schedule.cron ? { cronExpressions: schedule.cron } : {}),
      ...(schedule.every ? { intervals: [{ every: Duration.fromISO(schedule.every).toMillis() }] } : {}),
      timezone: schedule.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'proactiveSweep',
      // The server appends the scheduled time: each run has its own id, which is its sweep id.
      workflowId: schedule.id,
      taskQueue,
      args: [schedule.sweep],
      memo: { keptConfigHash: configHash(schedule, taskQueue) },
      typedSearchAttributes: [{ key: KeptKind, value: 'sweep' }],
      staticSummary: schedule.description.slice(0, 200),
    },
    policies: { overlap: 'SKIP', catchupWindow: Duration.fromISO(schedule.catchupWindow).toMillis() },
    state: { paused: schedule.paused, note: schedule.description },
  };
}

/** The declaration's content hash: equal hashes mean there is nothing to update. */
export function configHash(schedule: ScheduleDeclaration, taskQueue: string): string {
  return createHash('sha256').update(JSON.stringify({ schedule, taskQueue })).digest('hex').slice(0, 16);
}

async function existingIds(client: Client, prefix: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const summary of client.schedule.list()) {
    if (summary.scheduleId.startsWith(prefix)) ids.add(summary.scheduleId);
  }
  return ids;
}

async function deleteIfThere(client: Client, id: string): Promise<void> {
  try {
    await client.schedule.getHandle(id).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fileIndex = args.indexOf('--file');
  const file = fileIndex >= 0 ? args[fileIndex + 1] : undefined;
  const client = await connectClient();
  try {
    const result = await applySchedules({
      client,
      taskQueue: loadKeptEnv().KEPT_TASK_QUEUE,
      file,
      dryRun: args.includes('--dry-run'),
    });
    for (const [outcome, ids] of Object.entries(result)) {
      for (const id of ids as string[]) console.log(`${outcome.padEnd(9)} ${id}`);
    }
  } finally {
    await client.connection.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
