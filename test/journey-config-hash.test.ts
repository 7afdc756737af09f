import { cpSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createJourneyConfigActivities } from '../activities/journey-config';
import { loadPlaybooks } from '../common/playbooks/load';
import { temporaryDirectory } from './helpers/outreach';

/**
 * The config read a journey makes every round: the whole config once, then only "unchanged"
 * while the files are the same, and the new config as soon as a file changes (the hash is
 * cached per file version, so a stale hash would hide an edit from every running journey).
 */
describe('the brand config a journey reads each round', () => {
  const tmp = temporaryDirectory('kept-config-hash-');
  const profilesDir = path.join(tmp.path, 'profiles');
  const playbooksDir = path.join(tmp.path, 'playbooks');
  cpSync(path.resolve(__dirname, '../config/profiles'), profilesDir, { recursive: true });
  cpSync(path.resolve(__dirname, '../config/playbooks'), playbooksDir, { recursive: true });
  const { loadBrandConfig } = createJourneyConfigActivities(profilesDir, playbooksDir, { error: () => undefined });
  let later = Date.now();

  afterAll(() => tmp.remove());

  /** Rewrites a JSON file through `edit`, with a newer modification time (as an editor leaves it). */
  function editJson(file: string, edit: (json: Record<string, unknown>) => void): void {
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit(json);
    writeFileSync(file, JSON.stringify(json, null, 2));
    later += 10_000;
    utimesSync(file, new Date(later), new Date(later));
  }

  it('sends the whole config once, then "unchanged", and a new hash after each edit', async () => {
    const first = await loadBrandConfig('nordhem');
    expect(first.unchanged).toBeUndefined();
    expect(first.profile?.brand).toBe('nordhem');
    expect(first.hash).toMatch(/^[0-9a-f]{16}$/);

    const again = await loadBrandConfig('nordhem', first.hash);
    expect(again).toMatchObject({ unchanged: true, hash: first.hash });
    expect(again.profile).toBeUndefined();

    editJson(path.join(profilesDir, 'nordhem.json'), (profile) => {
      profile.displayName = 'Nordhem, edited';
    });
    const afterProfileEdit = await loadBrandConfig('nordhem', first.hash);
    expect(afterProfileEdit.unchanged).toBeUndefined();
    expect(afterProfileEdit.hash).not.toBe(first.hash);
    expect(afterProfileEdit.profile).toMatchObject({ displayName: 'Nordhem, edited' });

    editJson(path.join(playbooksDir, 'default.json'), (playbooks) => {
      const [first] = playbooks.playbooks as { description: string }[];
      if (first) first.description = 'A first playbook, edited.';
    });
    const afterPlaybookEdit = await loadBrandConfig('nordhem', afterProfileEdit.hash);
    expect(afterPlaybookEdit.unchanged).toBeUndefined();
    expect(afterPlaybookEdit.hash).not.toBe(afterProfileEdit.hash);
    expect(await loadBrandConfig('nordhem', afterPlaybookEdit.hash)).toMatchObject({ unchanged: true });
  });

  it('sends the playbooks as the journey plans with them: no descriptions, reasons in English', async () => {
    const config = await loadBrandConfig('nordhem');
    const files = loadPlaybooks('nordhem', playbooksDir);
    const multilingual = files.playbooks.filter((playbook) => typeof playbook.reason !== 'string');
    expect(multilingual.length).toBeGreaterThan(0);
    for (const playbook of multilingual) {
      const held = config.playbooks?.playbooks.find((one) => one.id === playbook.id);
      expect(held?.reason).toBe((playbook.reason as { en: string }).en);
    }
    expect(config.playbooks?.playbooks).toHaveLength(files.playbooks.length);
    expect(config.playbooks?.playbooks.filter((playbook) => 'description' in playbook)).toEqual([]);
    // The version is the files' own: decisions still record which playbook files they followed.
    expect(config.playbooks?.version).toBe(files.version);
  });
});
