import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * A throwaway PostgreSQL server for tests and local trials of the shared delivery ledger:
 * `initdb` into a temp folder, `postgres` on a free localhost port, trust auth, removed on
 * stop. Finds the binaries on PATH or in Debian's /usr/lib/postgresql/<version>/bin
 * (`npm run setup` installs Debian's postgresql when it runs as root and none is found).
 * PostgreSQL refuses to run as root; as root the server runs as the `postgres` user
 * (or `nobody`).
 */
export interface TemporaryPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function findPostgresBinDir(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'))) return dir;
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const dir = path.join(debian, version, 'bin');
      if (existsSync(path.join(dir, 'initdb'))) return dir;
    }
  }
  return undefined;
}

export async function startTemporaryPostgres(binDir = findPostgresBinDir()): Promise<TemporaryPostgres> {
  if (!binDir) throw new Error('PostgreSQL not found (initdb/postgres): install it or run npm run setup as root');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kept-pg-'));
  const owner = unprivilegedOwner();
  if (owner) chownSync(dataDir, owner.uid, owner.gid);
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};

  execFileSync(
    path.join(binDir, 'initdb'),
    ['-D', dataDir, '-U', 'kept', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'],
    { stdio: 'pipe', ...asOwner },
  );
  const port = await freePort();
  const server = spawn(
    path.join(binDir, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-k', dataDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    { stdio: ['ignore', 'ignore', 'pipe'], ...asOwner },
  );
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `postgresql://kept@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilAccepting(url, server, () => stderr);
  } catch (error) {
    server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    port,
    stop: async () => {
      await stopServer(server);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function unprivilegedOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // try the next user
    }
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilAccepting(url: string, server: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited (${server.exitCode}): ${stderr()}`);
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections in 30 s: ${stderr()}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGINT'); // PostgreSQL's "fast" shutdown
  const timeout = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timeout);
}
