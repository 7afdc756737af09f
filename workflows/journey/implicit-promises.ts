import type { LifecycleEvent } from '../../common/events';
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
