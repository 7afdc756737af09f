import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { KeptKind } from '../common/search-attributes';
import type { BareEvent } from './bare-messages';
import { floorPromiseId } from './floor-ids';
import { eagerStartOptions } from '../client/eager-start';

export interface FloorRoundRequest {
  customerId: string;
  event: BareEvent;
}

/**
 * The floor's round: starts the promise workflow for a promised date (idempotent by id), as
 * Kept's round does, on the worker's own connection and eagerly where it can, as Kept's does.
 */
export function createFloorActivities(client: Client) {
  return {
    async floorRound({ customerId, event }: FloorRoundRequest): Promise<void> {
      if (event.type !== 'order.placed' || !event.dueAt) return;
      try {
        await client.workflow.start('floorPromise', {
          args: [event.dueAt],
          workflowId: floorPromiseId(customerId),
          taskQueue: Context.current().info.taskQueue,
          ...eagerStartOptions(client),
          typedSearchAttributes: [{ key: KeptKind, value: 'promise' }],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    },
  };
}

export type FloorActivities = ReturnType<typeof createFloorActivities>;
