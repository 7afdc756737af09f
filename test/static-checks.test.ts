import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The project's static checks, as part of `npm test` so that CI runs them. ts-jest only
 * transpiles each file here (`isolatedModules`), so a type error in a test, an eslint finding
 * or an unformatted file used to pass CI unseen.
 */
const root = path.resolve(__dirname, '..');
const MINUTES = 60_000;

/** The tool's own output when it fails (the test then shows what to fix), `clean` when it passes. */
function check(script: string, args: string[]): string {
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', script), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return result.status === 0 ? 'clean' : `${result.stdout}${result.stderr}`;
}

describe('static checks', () => {
  it(
    'type-checks the whole project (tsc --noEmit, strict)',
    () => {
      expect(check('typescript/bin/tsc', ['--noEmit', '-p', root])).toBe('clean');
    },
    5 * MINUTES,
  );

  it(
    'passes eslint as the project sets it',
    () => {
      expect(check('eslint/bin/eslint.js', ['.'])).toBe('clean');
    },
    5 * MINUTES,
  );

  it(
    'is formatted as prettier sets it',
    () => {
      expect(check('prettier/bin/prettier.cjs', ['--check', '.'])).toBe('clean');
    },
    5 * MINUTES,
  );
});
