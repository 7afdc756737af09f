import path from 'node:path';
import { projectPath, type KeptEnv } from '../../common/config';
import { loadPlaybooks } from '../../common/playbooks/load';
import type { Playbook } from '../../common/playbooks/schema';
import { loadServiceProfiles } from '../../common/profiles/load-profiles';
import type { OutreachDependencies } from './deliver';
import { createMailTransport, type SmtpSettings } from './email';
import { openDeliveryLedger, type LedgerConfig } from './ledger';
import { TemplateLibrary } from './templates';

/**
 * Builds the outreach dependencies from the environment (the worker process uses this;
 * tests build their own pointed at their own servers). Mail goes to the local capture
 * server unless KEPT_SMTP_HOST names a relay; the ledger is PostgreSQL when
 * KEPT_LEDGER_URL (or DATABASE_URL) is set, else `<data>/ledger.sqlite`.
 */
export async function buildOutreachDependencies(env: KeptEnv): Promise<OutreachDependencies> {
  const ledger = await openDeliveryLedger(ledgerConfigOf(env));
  return {
    ledger,
    profiles: loadServiceProfiles(projectPath(env.KEPT_PROFILES_DIR)),
    templates: new TemplateLibrary(projectPath(env.KEPT_TEMPLATES_DIR)),
    mail: createMailTransport(smtpSettings(env)),
    webhookSecret: env.KEPT_WEBHOOK_SECRET,
    playbooks: playbookReader(),
    unsubscribe: {
      secret: env.KEPT_UNSUBSCRIBE_SECRET,
      // The localhost default is for development only: a deployment must set KEPT_PUBLIC_URL (common/deployment.ts).
      baseUrl: env.KEPT_PUBLIC_URL ?? `http://localhost:${env.KEPT_API_PORT}`,
    },
  };
}

/** Where the ledger database is: PostgreSQL when configured, else `<data>/ledger.sqlite`. */
export function ledgerConfigOf(env: KeptEnv): LedgerConfig {
  return {
    postgresUrl: env.KEPT_LEDGER_URL ?? env.DATABASE_URL,
    sqliteFile: path.join(projectPath(env.KEPT_DATA_DIR), 'ledger.sqlite'),
  };
}

export function smtpSettings(env: KeptEnv): SmtpSettings {
  return {
    host: env.KEPT_SMTP_HOST ?? '127.0.0.1',
    port: env.KEPT_SMTP_PORT,
    secure: env.KEPT_SMTP_SECURE,
    auth: env.KEPT_SMTP_USER ? { user: env.KEPT_SMTP_USER, pass: env.KEPT_SMTP_PASS ?? '' } : undefined,
  };
}

/** Where the worker's outreach goes, for its start-up line (no secrets). */
export function describeOutreach(env: KeptEnv): string {
  const smtp = smtpSettings(env);
  const mail = env.KEPT_SMTP_HOST ? `SMTP relay ${smtp.host}:${smtp.port}` : `mail capture on 127.0.0.1:${smtp.port}`;
  const ledger = env.KEPT_LEDGER_URL || env.DATABASE_URL ? 'PostgreSQL ledger' : 'SQLite ledger in the data folder';
  return `${mail}, ${ledger}`;
}

/**
 * The brand's playbooks for wording reasons, read once per brand. A bad playbook file gives
 * none (the message then uses the reason the journey recorded) rather than failing a send.
 */
export function playbookReader(directory?: string): (brand: string) => readonly Playbook[] | undefined {
  const cache = new Map<string, readonly Playbook[] | undefined>();
  return (brand) => {
    if (!cache.has(brand)) {
      try {
        cache.set(brand, loadPlaybooks(brand, directory).playbooks);
      } catch {
        cache.set(brand, undefined);
      }
    }
    return cache.get(brand);
  };
}
