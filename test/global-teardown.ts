import type { TestWorkflowEnvironment } from '@temporalio/testing';

export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as { __keptTestServers?: TestWorkflowEnvironment[] }).__keptTestServers ?? [];
  await Promise.all(servers.map((server) => server.teardown()));
}
