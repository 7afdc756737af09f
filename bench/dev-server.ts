import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import { temporalCliPath } from '../common/tools';
import { registerSearchAttributes } from '../workers/search-attributes';

/**
 * The bench's own Temporal dev server (the pinned CLI from .tools, headless), so a run measures
 * nothing else's workflows and its process id is known for CPU accounting.
 *
 * Its store is in memory unless a file is given. The dev server's in-memory SQLite crashed
 * (SIGSEGV inside modernc SQLite) with about 60,000 workflows in it, so the 50,000-customer
 * levels run on a file, with the write-ahead log and no fsync: the bench measures the worker,
 * not the disk.
 */
export interface BenchServer {
  address: string;
  pid: number;
  connection: Connection;
  stop(): Promise<void>;
}

export async function startBenchServer(storeFile?: string): Promise<BenchServer> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const store = storeFile
    ? ['--db-filename', storeFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off']
    : [];
  const child = spawn(
    temporalCliPath(),
    [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'error',
      ...store,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const connection = await connectWhenReady(address);
    await registerSearchAttributes(connection, 'default');
    return {
      address,
      pid: child.pid!,
      connection,
      async stop() {
        await connection.close();
        child.kill('SIGTERM');
        await exited;
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

async function connectWhenReady(address: string): Promise<Connection> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await Connection.connect({ address, connectTimeout: 1_000 });
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`bench dev server at ${address} did not answer in 60 s`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
