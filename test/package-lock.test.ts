import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `npm run setup` on a fresh clone: the lockfile must be the one npm writes for package.json
 * (else `npm install` rewrites it and the work tree is dirty), and no locked package may ask for
 * a Node.js that package.json's `engines` supports not (else npm prints EBADENGINE warnings, and
 * an ESM-only package such as cookie@2 breaks `require` under jest).
 */
const root = path.resolve(__dirname, '..');
interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
  optional?: boolean;
  os?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  overrides: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockedPackage>;
};

// semver is in the tree through npm's tooling (jest, eslint, ...); its types are not installed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { satisfies } = require('semver') as { satisfies: (version: string, range: string) => boolean };

/** The oldest release of each Node.js line Kept supports (README, package.json engines, setup.sh). */
const supportedNode = ['20.19.0', '22.13.0', '24.0.0'];

it('supports in package.json the Node.js versions the README names', () => {
  for (const node of supportedNode) expect(satisfies(node, manifest.engines.node)).toBe(true);
  expect(satisfies('20.18.0', manifest.engines.node)).toBe(false);
});

it('declares the dependencies package.json declares (npm install would rewrite it otherwise)', () => {
  expect(lock.lockfileVersion).toBe(3);
  expect(lock.packages['']!.dependencies).toEqual(manifest.dependencies);
  expect(lock.packages['']!.devDependencies).toEqual(manifest.devDependencies);
  // The root's engines too: a fresh clone's `npm install` rewrote this one line (seen in CI).
  expect(lock.packages['']!.engines).toEqual(manifest.engines);
});

it('locks the versions package.json overrides', () => {
  for (const [name, version] of Object.entries(manifest.overrides)) {
    const locked = Object.entries(lock.packages).filter(([key]) => key.endsWith(`node_modules/${name}`));
    expect(locked.length).toBeGreaterThan(0);
    for (const [, entry] of locked) expect(entry.version).toBe(version);
  }
});

it.each(supportedNode)('has no package that refuses Node.js %s, which package.json supports', (node) => {
  const refusing = Object.entries(lock.packages)
    .filter(([key]) => key !== '')
    .filter(([, entry]) => {
      const range = !entry.engines || Array.isArray(entry.engines) ? undefined : entry.engines.node;
      return range !== undefined && !satisfies(node, range);
    })
    .map(([key, entry]) => `${key.replace(/^.*node_modules\//, '')}@${entry.version}`);
  expect(refusing).toEqual([]);
});
