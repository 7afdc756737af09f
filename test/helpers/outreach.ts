import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OutreachDependencies } from '../../activities/outreach/deliver';
import { playbookReader } from '../../activities/outreach/dependencies';
import { createMailTransport } from '../../activities/outreach/email';
import { SqliteDeliveryLedger, type DeliveryLedger } from '../../activities/outreach/ledger';
import { TemplateLibrary } from '../../activities/outreach/templates';
import { loadServiceProfiles } from '../../common/profiles/load-profiles';
import type { ServiceProfile } from '../../common/profiles/schema';

/** Real outreach dependencies for a test: its own temp folder, SQLite ledger and SMTP port. */
export const TEST_WEBHOOK_SECRET = 'test-webhook-secret-0123456789';
export const TEST_UNSUBSCRIBE_SECRET = 'test-unsubscribe-secret-0123456789';

export interface TemporaryDirectory {
  path: string;
  remove(): void;
}

export function temporaryDirectory(prefix: string): TemporaryDirectory {
  const directory = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { path: directory, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

export function shippedProfiles(overrides: Record<string, Partial<ServiceProfile>> = {}): Map<string, ServiceProfile> {
  const profiles = loadServiceProfiles(path.resolve(__dirname, '../../config/profiles'));
  for (const [brand, change] of Object.entries(overrides)) {
    const profile = profiles.get(brand);
    if (!profile) throw new Error(`no shipped profile ${brand}`);
    profiles.set(brand, { ...profile, ...change });
  }
  return profiles;
}

export function outreachDependencies(options: {
  smtpPort: number;
  ledger?: DeliveryLedger;
  ledgerFile?: string;
  profiles?: Map<string, ServiceProfile>;
}): OutreachDependencies {
  return {
    ledger: options.ledger ?? new SqliteDeliveryLedger(options.ledgerFile ?? ':memory:'),
    profiles: options.profiles ?? shippedProfiles(),
    templates: new TemplateLibrary(path.resolve(__dirname, '../../templates')),
    mail: createMailTransport({ host: '127.0.0.1', port: options.smtpPort, secure: false, connectionTimeoutMs: 2_000 }),
    webhookSecret: TEST_WEBHOOK_SECRET,
    playbooks: playbookReader(path.resolve(__dirname, '../../config/playbooks')),
    unsubscribe: { secret: TEST_UNSUBSCRIBE_SECRET, baseUrl: 'https://kept.example' },
  };
}

export function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(check, 50);
    };
    check();
  });
}
