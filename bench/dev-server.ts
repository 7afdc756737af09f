import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { Connection } from '@temporalio/client';
import { temporalCliPath } from '../common/tools';
import { registerSearchAttributes } from '../workers/search-attributes';

/**
 * The bench's own Temporal dev server (the pinned CLI from .tools, in memory, headless), so a
 * run measures nothing else's workflows and its process id is known for CPU accounting.
 */
export interface BenchServer {
  address: string;
  pid: number;
  connection: Connection;
  stop(): Promise<void>;
}

export async function startBenchServer(): Promise<BenchServer> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const child = spawn(
    temporalCliPath(),
    ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'],
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
