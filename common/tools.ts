import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadKeptEnv, projectPath, type KeptEnv } from './config';

/**
 * Finds the Temporal binaries: an explicit env override first, then the pinned copies that
 * `npm run setup` installs into the tools folder, then (for the CLI only) one on PATH.
 * Passing these paths to the SDK is what keeps it from trying to download a server.
 */
export function temporalCliPath(env: KeptEnv = loadKeptEnv()): string {
  return resolveBinary('temporal', env.KEPT_TEMPORAL_CLI, env, true);
}

export function temporalTestServerPath(env: KeptEnv = loadKeptEnv()): string {
  return resolveBinary('temporal-test-server', env.KEPT_TEMPORAL_TEST_SERVER, env, false);
}

function resolveBinary(name: string, override: string | undefined, env: KeptEnv, allowPath: boolean): string {
  if (override) {
    if (!existsSync(override)) throw new Error(`${name} not found at ${override} (from the environment)`);
    return override;
  }
  const pinned = path.join(projectPath(env.KEPT_TOOLS_DIR), 'venv', 'bin', name);
  if (existsSync(pinned)) return pinned;
  if (allowPath) {
    const onPath = findOnPath(name);
    if (onPath) return onPath;
  }
  throw new Error(`${name} not found at ${pinned}. Run: npm run setup`);
}

function findOnPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
