import { Context } from '@temporalio/activity';

/**
 * Progress for a retry to resume from. A local activity (a small round, generation 4) has no
 * heartbeat: its retry starts over, and nothing in a round minds.
 */
export function heartbeat(details: unknown): void {
  const context = Context.current();
  if (!context.info.isLocal) context.heartbeat(details);
}
