import { cpSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { configAnnouncer } from '../client/config-announcer';
import { KeptClient } from '../client/kept-client';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { journeyStateQuery, recordEventUpdate } from '../workflows/journey/messages';
import { perEventCounts } from './helpers/journey-rounds';
import { outreachDependencies, temporaryDirectory } from './helpers/outreach';
import { connectDevServer, startKeptWorker, stopWorker } from './helpers/temporal';

/**
 * Generation 7 (issue 13, "cache by version"): an event sent with the hash of the brand's
 * config as its sender reads it spares the journey the round's config read, which for most
 * event types was the round's only local activity. Dev server and real config files: the
 * worker and the client read the same folders, as the API and the worker do by default.
 */
const BRAND = 'nordhem';

let env: TestWorkflowEnvironment;
let worker: Awaited<ReturnType<typeof startKeptWorker>>;
let announcing: KeptClient;
let silent: KeptClient;
const tmp = temporaryDirectory('kept-config-announced-');
const profilesDir = path.join(tmp.path, 'profiles');
const playbooksDir = path.join(tmp.path, 'playbooks');
let later = Date.now();

beforeAll(async () => {
  cpSync(path.resolve(__dirname, '../config/profiles'), profilesDir, { recursive: true });
  cpSync(path.resolve(__dirname, '../config/playbooks'), playbooksDir, { recursive: true });
  env = await connectDevServer();
  const outreach = outreachDependencies({ smtpPort: 1, ledgerFile: path.join(tmp.path, 'ledger.sqlite') });
  worker = await startKeptWorker(env, {
    profilesDir,
    playbooksDir,
    configLog: { error: () => undefined },
    activityDependencies: { outreach },
  });
  announcing = new KeptClient({
    client: env.client,
    taskQueue: worker.taskQueue,
    configHashOf: configAnnouncer(profilesDir, playbooksDir),
  });
  silent = new KeptClient({ client: env.client, taskQueue: worker.taskQueue });
});

afterAll(async () => {
  await stopWorker(worker);
  await env.teardown();
  tmp.remove();
});

const run = Date.now().toString(36);
let eventNumber = 0;

function viewed(customerId: string): LifecycleEventInput {
  eventNumber += 1;
  return {
    type: 'product.viewed',
    eventId: `${customerId}-viewed-${eventNumber}`,
    brand: BRAND,
    customerId,
    occurredAt: new Date().toISOString(),
    sku: `lamp-${eventNumber}`,
  };
}

const profileFile = () => path.join(profilesDir, `${BRAND}.json`);

/** Writes the brand's profile with a newer modification time (as an editor leaves it). */
function writeProfile(text: string): void {
  writeFileSync(profileFile(), text);
  later += 10_000;
  utimesSync(profileFile(), new Date(later), new Date(later));
}

function editProfile(edit: (profile: Record<string, unknown>) => void): void {
  const profile = JSON.parse(readFileSync(profileFile(), 'utf8')) as Record<string, unknown>;
  edit(profile);
  writeProfile(JSON.stringify(profile, null, 2));
}

/**
 * The config reads of each event's round, in order: a `loadBrandConfig` local activity, or
 * the round activity asked to read it (its summary says so).
 */
function configReadsPerEvent(customerId: string, events: number): Promise<number[]> {
  return perEventCounts(
    env.client,
    journeyWorkflowId(BRAND, customerId),
    events,
    (label, summary) =>
      label.includes('loadBrandConfig') || (label.includes('runJourneyRound') && summary.includes('read brand config')),
  );
}

describe('a journey trusts the config hash its events carry', () => {
  it('reads the config for its first event, then not while events say it is unchanged', async () => {
    const customerId = `announced-${run}`;
    await announcing.recordEvent(viewed(customerId));
    await configReadsPerEvent(customerId, 1);
    await announcing.recordEvent(viewed(customerId));
    await announcing.recordEvent(viewed(customerId));
    expect(await configReadsPerEvent(customerId, 3)).toEqual([1, 0, 0]);
  });

  it('reads it for an event sent without a hash, as journeys did before', async () => {
    const customerId = `silent-${run}`;
    await announcing.recordEvent(viewed(customerId));
    await configReadsPerEvent(customerId, 1);
    await silent.recordEvent(viewed(customerId));
    expect(await configReadsPerEvent(customerId, 2)).toEqual([1, 1]);
  });

  it('reads the new config at the first event after the files change', async () => {
    const customerId = `edited-${run}`;
    await announcing.recordEvent(viewed(customerId));
    await configReadsPerEvent(customerId, 1);
    editProfile((profile) => {
      profile.displayName = 'Nordhem, edited';
    });
    await announcing.recordEvent(viewed(customerId));
    await announcing.recordEvent(viewed(customerId));
    expect(await configReadsPerEvent(customerId, 3)).toEqual([1, 1, 0]);
  });

  it('reads it while the profile file is broken, and the journey shows the error', async () => {
    const customerId = `broken-${run}`;
    await announcing.recordEvent(viewed(customerId));
    await configReadsPerEvent(customerId, 1);
    const good = readFileSync(profileFile(), 'utf8');
    writeProfile('{ "brand": "nordhem", ');
    try {
      await announcing.recordEvent(viewed(customerId));
      expect(await configReadsPerEvent(customerId, 2)).toEqual([1, 1]);
      const state = await env.client.workflow.getHandle(journeyWorkflowId(BRAND, customerId)).query(journeyStateQuery);
      expect(state.configError).toMatch(/service profile of nordhem is unusable/);
    } finally {
      writeProfile(good);
    }
    // Mended: the next event reads again (the error must be cleared), and the one after does not.
    await announcing.recordEvent(viewed(customerId));
    await announcing.recordEvent(viewed(customerId));
    expect(await configReadsPerEvent(customerId, 4)).toEqual([1, 1, 1, 0]);
    const state = await env.client.workflow.getHandle(journeyWorkflowId(BRAND, customerId)).query(journeyStateQuery);
    expect(state.configError).toBeUndefined();
  });

  it('rejects a malformed hash in the validator, before anything is written', async () => {
    const customerId = `malformed-${run}`;
    await announcing.recordEvent(viewed(customerId));
    const handle = env.client.workflow.getHandle(journeyWorkflowId(BRAND, customerId));
    await configReadsPerEvent(customerId, 1);
    const before = (await handle.fetchHistory()).events?.length;
    await expect(
      handle.executeUpdate(recordEventUpdate, { args: [viewed(customerId) as never, { configHash: 'not-a-hash' }] }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/context\.configHash: expected 16 hex digits/) },
    });
    expect((await handle.fetchHistory()).events?.length).toBe(before);
  });
});
