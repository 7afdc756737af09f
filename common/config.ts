import path from 'node:path';
import { Duration } from 'luxon';
import { z } from 'zod';
import type { EventTimeBounds } from './events';

/**
 * Kept's process configuration, read once from the environment.
 * Every variable has an embedded default so that `npm start` runs with none set.
 * The Temporal connection itself (address, namespace, TLS, API key) is resolved in
 * `client/connection.ts` through @temporalio/envconfig, which reads the standard
 * TEMPORAL_* variables and profiles.
 */
const port = z.coerce.number().int().min(1).max(65535);
/** An ISO 8601 duration (PT15M, P1Y), held as milliseconds. */
const durationMs = z.string().transform((value, context) => {
  const duration = Duration.fromISO(value);
  if (!duration.isValid || duration.as('milliseconds') <= 0) {
    context.addIssue({ code: 'custom', message: 'use a positive ISO 8601 duration like PT15M or P1Y' });
    return z.NEVER;
  }
  return duration.as('milliseconds');
});

export const keptEnvSchema = z.object({
  KEPT_DATA_DIR: z.string().min(1).default('data'),
  KEPT_TOOLS_DIR: z.string().min(1).default('.tools'),
  KEPT_TEMPORAL_CLI: z.string().min(1).optional(),
  KEPT_TEMPORAL_TEST_SERVER: z.string().min(1).optional(),
  KEPT_TEMPORAL_PORT: port.default(7233),
  KEPT_TEMPORAL_UI_PORT: port.default(8233),
  KEPT_NAMESPACE: z.string().min(1).default('default'),
  KEPT_TASK_QUEUE: z.string().min(1).default('kept'),
  KEPT_API_PORT: port.default(8080),
  /** API keys per brand as `brand:key,brand:key` (wins over the keys file). */
  KEPT_API_KEYS: z.string().min(1).optional(),
  /** JSON file of API keys per brand (see api/api-keys.ts); development keys ship in config/. */
  KEPT_API_KEYS_FILE: z.string().min(1).default('config/api-keys.json'),
  /** Largest request body the HTTP API accepts, in bytes (413 beyond). */
  KEPT_API_BODY_LIMIT: z.coerce.number().int().min(1024).default(1_048_576),
  KEPT_SMTP_PORT: port.default(2525),
  KEPT_PROFILES_DIR: z.string().min(1).default('config/profiles'),
  // Outreach. Without KEPT_SMTP_HOST mail goes to the local capture server on KEPT_SMTP_PORT.
  KEPT_SMTP_HOST: z.string().min(1).optional(),
  KEPT_SMTP_USER: z.string().min(1).optional(),
  KEPT_SMTP_PASS: z.string().min(1).optional(),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the relay offers it. */
  KEPT_SMTP_SECURE: z.stringbool().default(false),
  /** PostgreSQL URL of the shared delivery ledger; without it, a SQLite file in the data folder. */
  KEPT_LEDGER_URL: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  KEPT_TEMPLATES_DIR: z.string().min(1).default('templates'),
  /** Base URL of Kept's public HTTP endpoints (unsubscribe links). */
  KEPT_PUBLIC_URL: z.url().optional(),
  KEPT_UNSUBSCRIBE_SECRET: z.string().min(16).default('kept-dev-unsubscribe-secret-change-me'),
  KEPT_WEBHOOK_SECRET: z.string().min(16).default('kept-dev-webhook-secret-change-me'),
  /** How far an event's occurredAt may be ahead of the front door's clock. */
  KEPT_MAX_FUTURE_SKEW: durationMs.prefault('PT15M'),
  /** How old a live event may be; older history goes through `kept import`. */
  KEPT_MAX_EVENT_AGE: durationMs.prefault('P1Y'),
});
export type KeptEnv = z.infer<typeof keptEnvSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value stops start-up naming the variable. */
export function loadKeptEnv(env: NodeJS.ProcessEnv = process.env): KeptEnv {
  const result = keptEnvSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** The window around now for live events (HTTP API, `kept event`). */
export function liveEventTimeBounds(env: KeptEnv, now: () => number = Date.now): EventTimeBounds {
  return { now, maxFutureSkewMs: env.KEPT_MAX_FUTURE_SKEW, maxAgeMs: env.KEPT_MAX_EVENT_AGE };
}

/** Imports of history may go back to the start of Kept's window, never into the future. */
export function importEventTimeBounds(env: KeptEnv, now: () => number = Date.now): EventTimeBounds {
  return { now, maxFutureSkewMs: env.KEPT_MAX_FUTURE_SKEW };
}

/** Absolute path of a project-relative folder from the env (data, tools). */
export function projectPath(relativeOrAbsolute: string): string {
  return path.resolve(__dirname, '..', relativeOrAbsolute);
}
