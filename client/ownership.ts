import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LifecycleEvent } from '../common/events';
import { caseWorkflowId, orderWorkflowId, promiseWorkflowId } from '../common/ids';
import { KeptCustomerId } from '../common/search-attributes';
import { isCaseEvent } from '../workflows/case/case-state';
import { isOrderEvent } from '../workflows/order/order-state';
import { deliveryPromiseId } from '../workflows/journey/implicit-promises';

/** An event names an order or case of another customer of the brand: nothing was written (HTTP 409). */
export class OwnershipConflictError extends Error {
  override name = 'OwnershipConflictError';
}

/** Describes at most this many order/case workflows at once (a batch may name hundreds). */
const LOOKUP_CONCURRENCY = 16;

/** Events that open an order or case: no journey knows it yet, so none can vouch for it. */
const OPENING_EVENTS: ReadonlySet<string> = new Set(['order.placed', 'issue.reported']);

interface ChildClaim {
  kind: 'order' | 'case';
  id: string;
  /** The workflows that say whose the order or case is, asked in turn until one exists (at once when it `opens`). */
  workflowIds: string[];
  customerId: string;
  /** The event opens the order or case (OPENING_EVENTS): none of its workflows is likely to exist. */
  opens: boolean;
}

/**
 * Order and case ids are unique per brand, so `kept/<brand>/order/<id>` is shared by every
 * customer of the brand. Before a journey accepts an event, this asks each order or case
 * workflow the event would reach whose it is (its KeptCustomerId, set when it starts) and
 * refuses the events of any other customer. One describe per case; per order one, or two for
 * an order without a delivery promise (its workflow is asked next), or two at once when the
 * event opens the order; a new order id is answered NOT_FOUND.
 * See README "Order and case ids" for the race left.
 */
export async function assertOwnsOrdersAndCases(
  client: Client,
  events: readonly LifecycleEvent[],
  known: KnownOwners = new KnownOwners(),
): Promise<void> {
  const claims = [...new Map(events.flatMap(childClaim).map((claim) => [claimKey(claim), claim])).values()];
  const queue = [...claims];
  const conflicts: string[] = [];
  const next = async (): Promise<void> => {
    for (let claim = queue.shift(); claim; claim = queue.shift()) {
      const owner = known.get(claim) ?? known.remember(claim, await firstOwner(client, claim));
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
  const base = { customerId: event.customerId, opens: OPENING_EVENTS.has(event.type) };
  if (isOrderEvent(event)) {
    // An order on its routine path has no workflow, only its journey's state of it
    // (workflows/journey/held-orders.ts): its delivery promise, started by the same journey
    // with the same customer, says whose it is. Asked first, because since generation 5 most
    // orders are held (one describe per event, where the order first cost two); an order
    // without a promise (a brand without a service profile) has its workflow, asked next.
    const workflowIds = [
      promiseWorkflowId(event.brand, deliveryPromiseId(event.orderId)),
      orderWorkflowId(event.brand, event.orderId),
    ];
    return [{ ...base, kind: 'order', id: event.orderId, workflowIds }];
  }
  if (isCaseEvent(event)) {
    const caseId = event.caseId!;
    return [{ ...base, kind: 'case', id: caseId, workflowIds: [caseWorkflowId(event.brand, caseId)] }];
  }
  return [];
}

/**
 * Whether the event's journey may vouch for it instead of a describe: it follows up on an order
 * or case (it does not open one) whose owner this client has not found. The journey knows every
 * order and case that came to it, each through an ownership check (journey-workflow.ts
 * `recordFollowUpEvent`), so one it knows is the customer's.
 */
export function journeyMayVouch(event: LifecycleEvent, known: KnownOwners): boolean {
  const claims = childClaim(event);
  return (
    claims.length > 0 && !claims.some((claim) => claim.opens) && claims.some((claim) => known.get(claim) === undefined)
  );
}

const claimKey = (claim: ChildClaim) => `${claim.workflowIds[0]}\u0000${claim.customerId}`;

/**
 * The owners this client has found, by order or case: an owner, once a workflow says it, never
 * changes (its KeptCustomerId is set when it starts, and ids are used once), so a later event of
 * the same order asks no describe and gets the answer the describe would give. Only found owners
 * are kept: "nobody yet" can change at any moment. Bounded: the oldest is forgotten first.
 */
export class KnownOwners {
  private readonly owners = new Map<string, string>();

  constructor(private readonly capacity = 100_000) {}

  get(claim: ChildClaim): string | undefined {
    return this.owners.get(claim.workflowIds[0]!);
  }

  /** The event's journey knew its order or case: the event's customer owns it. */
  vouchedFor(event: LifecycleEvent): void {
    for (const claim of childClaim(event)) this.remember(claim, claim.customerId);
  }

  remember(claim: ChildClaim, owner: string | undefined): string | undefined {
    if (owner === undefined) return undefined;
    this.owners.set(claim.workflowIds[0]!, owner);
    if (this.owners.size > this.capacity) this.owners.delete(this.owners.keys().next().value!);
    return owner;
  }
}

/**
 * The owner the first of the claim's workflows that exists names. An opening event's are asked
 * at once: a new order has neither workflow, and its placement waited for two describes one
 * after the other. A later event's in turn: the first (the delivery promise) usually answers.
 */
async function firstOwner(client: Client, claim: ChildClaim): Promise<string | undefined> {
  if (claim.opens) {
    const owners = await Promise.all(claim.workflowIds.map((workflowId) => ownerOf(client, workflowId)));
    return owners.find((owner) => owner !== undefined);
  }
  for (const workflowId of claim.workflowIds) {
    const owner = await ownerOf(client, workflowId);
    if (owner !== undefined) return owner;
  }
  return undefined;
}

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
