import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../common/config';
import { loadPlaybooks } from '../common/playbooks/load';
import { recordedReason } from '../common/playbooks/schema';
import { lifecycleStages } from '../common/events';

/** The shipped playbook files and the loader: per-brand overrides, content-hash versions, errors naming the field. */
const shipped = path.resolve(__dirname, '../config/playbooks');
const templates = path.resolve(__dirname, '../templates/default/en');

function folder(files: Record<string, unknown>): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'kept-playbooks-'));
  for (const [name, content] of Object.entries(files))
    writeFileSync(path.join(directory, name), JSON.stringify(content));
  return directory;
}
const defaults = JSON.parse(readFileSync(path.join(shipped, 'default.json'), 'utf8')) as { playbooks: object[] };

describe('playbook configuration', () => {
  it('ships a playbook for every lifecycle stage but compare, each with a reason and an existing template', () => {
    const { playbooks } = loadPlaybooks('nordhem');
    const stages = new Set(playbooks.map((playbook) => playbook.stage));
    for (const stage of lifecycleStages.filter((name) => name !== 'compare')) expect(stages).toContain(stage);
    for (const playbook of playbooks) {
      expect(recordedReason(playbook.reason).length).toBeGreaterThan(20);
      for (const action of playbook.actions) {
        if (action.kind === 'send' || action.kind === 'create-task') {
          expect(readFileSync(path.join(templates, `${action.template}.text.hbs`), 'utf8')).not.toBe('');
        }
      }
    }
  });

  it('merges a brand file over the defaults by id; versions are content hashes', () => {
    const nordhem = loadPlaybooks('nordhem');
    const laurent = loadPlaybooks('maison-laurent');
    const update = laurent.playbooks.find((playbook) => playbook.id === 'case.update')!;
    expect(update).toMatchObject({ version: 2, trigger: { every: 'P1D' }, conditions: { caseStatus: ['open'] } });
    expect(nordhem.playbooks.find((playbook) => playbook.id === 'case.update')!.version).toBe(1);
    expect(laurent.version).not.toBe(nordhem.version);
    expect(loadPlaybooks('maison-laurent').version).toBe(laurent.version);
    // a brand without a file gets the defaults, with the defaults' version
    expect(loadPlaybooks('acme').version).toBe(nordhem.version);
  });

  it('names the file and the path of a bad field, also inside a trigger', () => {
    const bad = structuredClone(defaults);
    (bad.playbooks[2] as { trigger: unknown }).trigger = { at: 'order.warrantyEndsAt', offset: '30 days' };
    expect(() => loadPlaybooks('x', folder({ 'default.json': bad }))).toThrow(
      /default\.json: playbooks\.2\.trigger\.offset: use an ISO 8601 duration/,
    );
    const override = { playbooks: [{ id: 'replenish', actions: [{ kind: 'send', template: 'replenish' }] }] };
    const directory = folder({ 'default.json': defaults, 'acme.json': override });
    expect(() => loadPlaybooks('acme', directory)).toThrow(ConfigError);
    expect(() => loadPlaybooks('acme', directory)).toThrow(
      /acme\.json: playbooks\.0 \(replenish\)\.actions\.0\.category/,
    );
  });

  it('rejects a new playbook in a brand file that is incomplete, and duplicate ids', () => {
    const directory = folder({ 'default.json': defaults, 'acme.json': { playbooks: [{ id: 'new.one', version: 1 }] } });
    expect(() => loadPlaybooks('acme', directory)).toThrow(/playbooks\.0 \(new\.one\)\.stage/);
    const twice = { playbooks: [defaults.playbooks[0], defaults.playbooks[0]] };
    expect(() => loadPlaybooks('acme', folder({ 'default.json': twice }))).toThrow(
      /playbooks\.1\.id: .* appears twice/,
    );
  });
});
