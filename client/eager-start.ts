import { InternalConnectionLikeSymbol, type Client, type InternalConnectionLike } from '@temporalio/client';

/**
 * Start options for a workflow that a worker's activity starts on the worker's own task queue.
 * A client built on the worker's NativeConnection (createKeptWorker's default) asks the server
 * to hand the new workflow's first task straight back to this worker (eager workflow start):
 * no trip through the server's matching service and no poll, which is most of what a promise
 * or order workflow costs when it starts. The server falls back to a normal start when it
 * cannot (no free slot, feature off), so asking is always safe. A client on any other
 * connection (the API's, a test's) cannot ask: the SDK refuses the option there.
 */
export function eagerStartOptions(client: Client): { requestEagerStart?: true } {
  const connection = client.connection as InternalConnectionLike;
  return connection[InternalConnectionLikeSymbol]?.supportsEagerStart ? { requestEagerStart: true } : {};
}
