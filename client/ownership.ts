import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LifecycleEvent } from '../common/events';
import { caseWorkflowId, orderWorkflowId } from '../common/ids';
import { KeptCustomerId } from '../common/search-attributes';
import { isCaseEvent } from '../workflows/case/case-state';
import { isOrderEvent } from '../workflows/order/order-state';

/** An event names an order or case of another customer of the brand: nothing was written (HTTP 409). */
export class OwnershipConflictError extends Error {
  override name = 'OwnershipConflictError';
}

/** Describes at most this many order/case workflows at once (a batch may name hundreds). */
const LOOKUP_CONCURRENCY = 16;

interface ChildClaim {
  kind: 'order' | 'case';
  id: string;
  workflowId: string;
  customerId: string;
}

/**
 * Order and case ids are unique per brand, so `kept/<brand>/order/<id>` is shared by every
 * customer of the brand. Before a journey accepts an event, this asks each order or case
 * workflow the event would reach whose it is (its KeptCustomerId, set when it starts) and
 * refuses the events of any other customer. One describe per id; the common case (a new
 * order id) is a single NOT_FOUND answer. See README "Order and case ids" for the race left.
 */
export async function assertOwnsOrdersAndCases(client: Client, events: readonly LifecycleEvent[]): Promise<void> {
  const claims = [...new Map(events.flatMap(childClaim).map((claim) => [claimKey(claim), claim])).values()];
  const queue = [...claims];
  const conflicts: string[] = [];
  const next = async (): Promise<void> => {
    for (let claim = queue.shift(); claim; claim = queue.shift()) {
      const owner = await ownerOf(client, claim.workflowId);
      if (owner !== undefined && owner !== claim.customerId) {
        conflicts.push(
          `${claim.kind} ${claim.id} belongs to another customer; customer ${claim.customerId} cannot change it`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, claims.length) }, next));
  if (conflicts.length > 0) throw new OwnershipConflictError(conflicts.sort().join('; '));
}

function childClaim(event: LifecycleEvent): ChildClaim[] {
  const base = { customerId: event.customerId };
  if (isOrderEvent(event)) {
    return [{ ...base, kind: 'order', id: event.orderId, workflowId: orderWorkflowId(event.brand, event.orderId) }];
  }
  if (isCaseEvent(event)) {
    const caseId = event.caseId!;
    return [{ ...base, kind: 'case', id: caseId, workflowId: caseWorkflowId(event.brand, caseId) }];
  }
  return [];
}

const claimKey = (claim: ChildClaim) => `${claim.workflowId}\u0000${claim.customerId}`;

/** The customer an order or case workflow belongs to; undefined when there is none yet. */
async function ownerOf(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    return description.typedSearchAttributes.get(KeptCustomerId);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
