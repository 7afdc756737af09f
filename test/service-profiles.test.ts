import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../common/config';
import { loadServiceProfile, loadServiceProfiles, profileFileReader } from '../common/profiles/load-profiles';
import { temporaryDirectory } from './helpers/outreach';

/** Service profiles: the two shipped ones load; a bad file stops start-up naming the field. */
const shipped = path.resolve(__dirname, '../config/profiles');

describe('service profiles', () => {
  const tmp = temporaryDirectory('kept-profiles-');
  afterAll(() => tmp.remove());

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a deliberately broken copy of a profile
  function badCopy(change: (profile: any) => void): string {
    const directory = path.join(tmp.path, `bad-${Math.random().toString(36).slice(2)}`);
    mkdirSync(directory);
    const profile = JSON.parse(readFileSync(path.join(shipped, 'nordhem.json'), 'utf8'));
    change(profile);
    writeFileSync(path.join(directory, 'nordhem.json'), JSON.stringify(profile));
    return directory;
  }

  it('ships a white-glove and a self-service profile', () => {
    const profiles = loadServiceProfiles(shipped);
    expect(profiles.get('maison-laurent')).toMatchObject({
      style: 'white-glove',
      channels: ['phone', 'email', 'chat', 'sms'],
    });
    expect(profiles.get('nordhem')).toMatchObject({ style: 'self-service' });
    expect(profiles.get('maison-laurent')!.targets.response.urgent).toBe('PT30M');
  });

  it('names the file and the path of every bad field', () => {
    const directory = badCopy((profile) => {
      profile.targets.response.urgent = '4 hours';
      profile.businessHours.week.mon[0].start = '25:00';
    });
    const load = () => loadServiceProfile(path.join(directory, 'nordhem.json'));
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/nordhem\.json: .*targets\.response\.urgent: use an ISO 8601 duration/);
    expect(load).toThrow(/businessHours\.week\.mon\.0\.start: use HH:MM/);
  });

  it('reads a profile again when its file changes, and only then', () => {
    const directory = path.join(tmp.path, 'reader');
    cpSync(shipped, directory, { recursive: true });
    const file = path.join(directory, 'nordhem.json');
    const read = profileFileReader(directory);
    const first = read('nordhem');
    expect(first?.displayName).toBe('Nordhem Furniture');
    expect(read('nordhem')).toBe(first);
    expect(read('no-such-brand')).toBeUndefined();

    const edited = JSON.parse(readFileSync(file, 'utf8'));
    edited.displayName = 'Nordhem Home';
    writeFileSync(file, JSON.stringify(edited));
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    expect(read('nordhem')?.displayName).toBe('Nordhem Home');

    writeFileSync(file, '{ "brand": "nordhem" ');
    const broken = new Date(Date.now() + 120_000);
    utimesSync(file, broken, broken);
    expect(() => read('nordhem')).toThrow(/nordhem\.json: not readable JSON/);
  });

  it('stops the worker at start-up with that message', () => {
    const directory = badCopy((profile) => {
      profile.escalation = [];
    });
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../workers/main.ts')], {
      env: { ...process.env, KEPT_PROFILES_DIR: directory, TEMPORAL_ADDRESS: process.env.KEPT_TEST_DEV_ADDRESS },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/nordhem\.json: escalation: /);
  });
});
