import type { LifecycleEvent } from '../../common/events';
import type { OrderState } from '../order/order-state';
import type { JourneyState } from './state';

/**
 * Commitments Kept makes on the customer's behalf without anyone typing them in: an order's
 * promised delivery date, and a case's first-response target from the brand's profile. Pure:
 * which promise to make, keep or cancel follows from the event and the journey's state.
 */
export type ImplicitPromiseCommand =
  | {
      kind: 'make';
      promiseId: string;
      promise: 'delivery' | 'case-response';
      orderId?: string;
      caseId?: string;
      dueAt?: string;
      severity?: string;
      channel?: string;
      ownerId?: string;
      ownerKind?: 'person' | 'team';
    }
  | { kind: 'fulfil'; promiseId: string; note: string }
  | { kind: 'cancel'; promiseId: string; reason: string };

export const deliveryPromiseId = (orderId: string): string => `delivery-${orderId}`;
export const caseResponsePromiseId = (caseId: string): string => `response-${caseId}`;

export function implicitPromiseCommands(state: JourneyState, event: LifecycleEvent): ImplicitPromiseCommand[] {
  switch (event.type) {
    case 'order.placed':
      return event.promisedDeliveryAt
        ? [
            {
              kind: 'make',
              promise: 'delivery',
              promiseId: deliveryPromiseId(event.orderId),
              orderId: event.orderId,
              dueAt: event.promisedDeliveryAt,
            },
          ]
        : [];
    case 'shipment.delivered':
      return [{ kind: 'fulfil', promiseId: deliveryPromiseId(event.orderId), note: 'delivered' }];
    case 'order.cancelled':
      return [
        { kind: 'cancel', promiseId: deliveryPromiseId(event.orderId), reason: event.reason ?? 'order cancelled' },
      ];
    case 'issue.reported': {
      const owner = event.owner;
      return [
        {
          kind: 'make',
          promise: 'case-response',
          promiseId: caseResponsePromiseId(event.caseId),
          caseId: event.caseId,
          orderId: event.orderId,
          severity: event.severity,
          channel: event.channel,
          ownerId: owner && (owner.kind === 'person' || owner.kind === 'team') ? owner.id : undefined,
          ownerKind: owner?.kind === 'person' || owner?.kind === 'team' ? owner.kind : undefined,
        },
      ];
    }
    case 'case.updated':
    case 'case.resolved':
      // Only the first answer keeps the response promise.
      return state.cases[event.caseId]?.firstResponseAt === event.occurredAt
        ? [{ kind: 'fulfil', promiseId: caseResponsePromiseId(event.caseId), note: `first response: ${event.type}` }]
        : [];
    default:
      return [];
  }
}

/*
 * Reconciliation. The journey does not queue commands (a dropped one was a promise that breached
 * although the parcel had arrived): after each round it derives from its order and case *state*
 * what each implicit promise should be, compares that with what the promise workflows have
 * confirmed so far, and asks one idempotent activity for the difference. A failed round keeps
 * the difference and is tried again later; nothing is dropped.
 */

/**
 * What the journey knows of one implicit promise ('none': never made, e.g. no service profile;
 * 'foreign': the promise of that id was made to another customer, whose order or case it is,
 * so this journey never keeps or cancels it, nor vouches for the order's or case's events).
 */
export type ImplicitPromiseStatus = 'open' | 'kept' | 'cancelled' | 'ended' | 'none' | 'foreign';

export interface ImplicitPromiseRecord {
  status: ImplicitPromiseStatus;
  dueAt?: string;
  /** Why it is 'none', 'ended' or 'foreign', in words. */
  note?: string;
}

export interface ImplicitPromiseSync {
  confirmed: Record<string, ImplicitPromiseRecord>;
  /** Rounds in a row that left promises out of step (0 when in step). */
  failures: number;
  /** When the next attempt is due while out of step. */
  retryAt?: string;
  /** The promises still out of step, and why. */
  failing: string[];
  lastError?: string;
}

export type ImplicitPromiseChange =
  | {
      kind: 'make';
      promise: 'delivery';
      promiseId: string;
      orderId: string;
      dueAt: string;
      /** When the order was placed: the promise's window starts there. */
      createdAt: string;
    }
  | {
      kind: 'make';
      promise: 'case-response';
      promiseId: string;
      caseId: string;
      orderId?: string;
      /** When the issue was reported: the response clock starts there, not when an activity ran. */
      createdAt: string;
      severity: string;
      channel?: string;
      ownerId?: string;
      ownerKind?: 'person' | 'team';
    }
  | { kind: 'fulfil'; promiseId: string; at: string; note: string }
  | { kind: 'cancel'; promiseId: string; reason: string };

export type ImplicitPromiseResult =
  { promiseId: string; record: ImplicitPromiseRecord } | { promiseId: string; error: string };

export const initialImplicitPromiseSync = (): ImplicitPromiseSync => ({ confirmed: {}, failures: 0, failing: [] });

/** The changes that bring the promise workflows in step with the orders and cases. */
export function implicitPromiseChanges(state: JourneyState, confirmed: ImplicitPromiseSync['confirmed']) {
  return desiredImplicitPromises(state).filter((change) => isNeeded(change, confirmed[change.promiseId]));
}

function isNeeded(change: ImplicitPromiseChange, record: ImplicitPromiseRecord | undefined): boolean {
  // 'make' only once; keep or cancel whatever may exist (an unknown one answers 'none').
  if (change.kind === 'make') return record === undefined;
  return record === undefined || record.status === 'open';
}

/** What every implicit promise should be now, from the order and case state alone. */
export function desiredImplicitPromises(state: JourneyState): ImplicitPromiseChange[] {
  const imported = (at: string | undefined) => isImportedHistory(state, at);
  const orders = Object.values(state.orders).flatMap((order): ImplicitPromiseChange[] => {
    if (!hasDeliveryPromise(state, order)) return [];
    const promiseId = deliveryPromiseId(order.orderId);
    if (order.deliveredAt) return [{ kind: 'fulfil', promiseId, at: order.deliveredAt, note: 'delivered' }];
    if (order.cancelledAt) return [{ kind: 'cancel', promiseId, reason: 'order cancelled' }];
    const { orderId, promisedDeliveryAt: dueAt, placedAt: createdAt } = order;
    return [{ kind: 'make', promise: 'delivery', promiseId, orderId, dueAt: dueAt!, createdAt: createdAt! }];
  });
  const cases = Object.values(state.cases).flatMap((item): ImplicitPromiseChange[] => {
    if (!item.openedAt || imported(item.openedAt)) return [];
    const promiseId = caseResponsePromiseId(item.caseId);
    if (item.firstResponseAt) return [{ kind: 'fulfil', promiseId, at: item.firstResponseAt, note: 'first response' }];
    const owner = staffOwner(item.owner);
    return [
      {
        kind: 'make',
        promise: 'case-response',
        promiseId,
        caseId: item.caseId,
        ...(item.orderId ? { orderId: item.orderId } : {}),
        createdAt: item.openedAt,
        severity: item.severity,
        ...(item.channel ? { channel: item.channel } : {}),
        ...(owner ? { ownerId: owner.id, ownerKind: owner.kind } : {}),
      },
    ];
  });
  return [...orders, ...cases];
}

/**
 * True when the order has (or is to have) the implicit promise `delivery-<orderId>`: a promised
 * date, placed live. History imported after the fact makes no promises (it would only breach
 * or be kept at once).
 */
export function hasDeliveryPromise(state: JourneyState, order: OrderState): boolean {
  return (
    order.promisedDeliveryAt !== undefined && order.placedAt !== undefined && !isImportedHistory(state, order.placedAt)
  );
}

function isImportedHistory(state: JourneyState, at: string | undefined): boolean {
  const history = state.outreach.quietBefore;
  return history !== undefined && at !== undefined && at <= history;
}

function staffOwner(
  owner: { kind: string; id: string } | undefined,
): { kind: 'person' | 'team'; id: string } | undefined {
  if (owner?.kind === 'person' || owner?.kind === 'team') return { kind: owner.kind, id: owner.id };
  return undefined;
}

/** A promise workflow's report (promiseStatusSignal) moves the journey's record along. */
export function recordReportedStatus(sync: ImplicitPromiseSync, promiseId: string, status: string): void {
  const record = sync.confirmed[promiseId];
  if (!record) return;
  if (status === 'kept' || status === 'kept-late' || status === 'renegotiated') record.status = 'kept';
  else if (status === 'cancelled') record.status = 'cancelled';
}

/** Implicit promises the journey knows to be open. */
export const openImplicitPromises = (sync: ImplicitPromiseSync | undefined): string[] =>
  Object.entries(sync?.confirmed ?? {})
    .filter(([, record]) => record.status === 'open')
    .map(([promiseId]) => promiseId);

/**
 * Implicit promises made to another customer: an order or case id this customer's events share
 * with another customer's (two placements of it in the same instant). Operators see it flagged.
 */
export const foreignImplicitPromises = (sync: ImplicitPromiseSync | undefined): string[] =>
  Object.entries(sync?.confirmed ?? {})
    .filter(([, record]) => record.status === 'foreign')
    .map(([promiseId]) => promiseId);

/** Settled records of orders and cases the journey no longer holds: keeps the record bounded. */
export function pruneImplicitPromises(state: JourneyState, sync: ImplicitPromiseSync): void {
  const subjects = new Set([
    ...Object.keys(state.orders).map(deliveryPromiseId),
    ...Object.keys(state.cases).map(caseResponsePromiseId),
  ]);
  for (const [promiseId, record] of Object.entries(sync.confirmed)) {
    if (record.status !== 'open' && !subjects.has(promiseId)) delete sync.confirmed[promiseId];
  }
}

const RETRY_FIRST_MS = 30_000;
const RETRY_MAX_MS = 30 * 60_000;

/** Records a round's answers; what is still out of step is retried with backoff, never dropped. */
export function recordSyncRound(
  sync: ImplicitPromiseSync,
  results: ImplicitPromiseResult[],
  now: number,
): ImplicitPromiseSync['failing'] {
  const failing: string[] = [];
  const errors: string[] = [];
  for (const result of results) {
    if ('record' in result) sync.confirmed[result.promiseId] = result.record;
    else {
      failing.push(result.promiseId);
      errors.push(`${result.promiseId}: ${result.error}`);
    }
  }
  if (failing.length === 0) {
    Object.assign(sync, { failures: 0, failing: [] });
    delete sync.retryAt;
    delete sync.lastError;
    return failing;
  }
  sync.failures += 1;
  sync.failing = failing;
  sync.lastError = errors.join('; ').slice(0, 1000);
  const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (sync.failures - 1));
  sync.retryAt = new Date(now + delay).toISOString();
  return failing;
}
