import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KeptClient } from '../client/kept-client';
import { journeyWorkflowId } from '../common/ids';
import { KeptFlags } from '../common/search-attributes';
import { startCaptureServer, type CaptureServer } from '../mail/capture-server';
import { listCapturedMail } from '../mail/mailbox';
import { journeyStateQuery, requestContactUpdate } from '../workflows/journey/messages';
import { eventually, startApiProcess } from './helpers/api';
import { outreachDependencies, temporaryDirectory } from './helpers/outreach';
import { connectDevServer, startKeptWorker, stopWorker, uniqueTaskQueue, zoneWhereItIsNow } from './helpers/temporal';

/**
 * A brand's profile file broken while journeys run, on the dev server with a real SMTP server:
 * the journey goes on with the last good profile (a message still goes out), shows the
 * problem (flag `config-error`, details), the worker logs it once, and /ready answers 503.
 */
describe('a bad profile file', () => {
  let env: TestWorkflowEnvironment;
  let smtp: CaptureServer;
  const tmp = temporaryDirectory('kept-journey-config-');
  const profilesDir = path.join(tmp.path, 'profiles');
  const mailDir = path.join(tmp.path, 'mail');
  const profileFile = path.join(profilesDir, 'nordhem.json');
  const shipped = path.resolve(__dirname, '../config/profiles/nordhem.json');

  beforeAll(async () => {
    env = await connectDevServer();
    smtp = await startCaptureServer({ port: 0, host: '127.0.0.1', directory: mailDir });
  });

  afterAll(async () => {
    await smtp.close();
    await env.teardown();
    tmp.remove();
  });

  it('keeps the journey working with the last good profile and says so', async () => {
    mkdirSync(profilesDir, { recursive: true });
    copyFileSync(shipped, profileFile);
    const logged: string[] = [];
    const worker = await startKeptWorker(env, {
      taskQueue: uniqueTaskQueue(),
      profilesDir,
      activityDependencies: { outreach: outreachDependencies({ smtpPort: smtp.port }) },
      configLog: { error: (message: string) => logged.push(message) },
    });
    try {
      const customerId = `c-config-${Date.now()}`;
      const kept = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
      await kept.recordEvent({
        type: 'profile.updated',
        eventId: `${customerId}-profile`,
        brand: 'nordhem',
        customerId,
        occurredAt: new Date().toISOString(),
        email: `${customerId}@example.com`,
        timezone: await zoneWhereItIsNow(env, 12),
      });
      const handle = env.client.workflow.getHandle(journeyWorkflowId('nordhem', customerId));

      // Broken: not a profile any more (and a new modification time, as an editor would leave it).
      writeFileSync(profileFile, JSON.stringify({ brand: 'nordhem', style: 'whatever' }));
      utimesSync(profileFile, new Date(), new Date(Date.now() + 5_000));
      for (const n of [1, 2]) {
        await handle.executeUpdate(requestContactUpdate, {
          args: [
            {
              key: `test/${n}`,
              template: 'order.confirmation',
              category: 'transactional',
              reason: 'your order',
              data: { orderId: 'o-1' },
            },
          ],
        });
      }
      await eventually(async () => {
        const state = await handle.query(journeyStateQuery);
        expect(state.outreach.decisions.map((decision) => decision.outcome)).toEqual(['sent', 'sent']);
        expect(state.configError).toContain(profileFile);
      });
      expect(listCapturedMail(mailDir).filter((mail) => mail.to.includes(`${customerId}@example.com`))).toHaveLength(2);
      expect((await handle.describe()).typedSearchAttributes.get(KeptFlags)).toContain('config-error');
      expect(logged.filter((line) => line.includes(profileFile))).toHaveLength(1);

      // Fixed again: the flag goes at the next decision.
      copyFileSync(shipped, profileFile);
      utimesSync(profileFile, new Date(), new Date(Date.now() + 10_000));
      await handle.executeUpdate(requestContactUpdate, {
        args: [
          {
            key: 'test/3',
            template: 'order.confirmation',
            category: 'transactional',
            reason: 'your order',
            data: { orderId: 'o-1' },
          },
        ],
      });
      await eventually(async () => {
        const state = await handle.query(journeyStateQuery);
        expect(state.outreach.decisions).toHaveLength(3);
        expect(state.configError).toBeUndefined();
      });
    } finally {
      await stopWorker(worker);
    }
  }, 120_000);

  it('makes /ready answer 503, naming the file', async () => {
    const api = await startApiProcess({ taskQueue: uniqueTaskQueue(), keys: { nordhem: 'nordhem-key-0123456789' } });
    try {
      expect((await fetch(`${api.baseUrl}/ready`)).status).toBe(200);
      const file = path.join(api.profilesDir, 'nordhem.json');
      writeFileSync(file, '{ "brand": "nordhem", ');
      const response = await fetch(`${api.baseUrl}/ready`);
      const body = (await response.json()) as { status: string; problems: string[] };
      expect(response.status).toBe(503);
      expect(body.status).toBe('unavailable');
      expect(body.problems).toEqual([expect.stringContaining(file)]);
    } finally {
      await api.stop();
    }
  }, 60_000);
});
