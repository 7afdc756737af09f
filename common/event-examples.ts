import type { LifecycleEventInput, LifecycleEventType } from './events';

/**
 * One documented example per event type of the vocabulary (common/events.ts): the source of
 * docs/events.md (scripts/events-doc.ts) and of the examples in the OpenAPI document. The
 * `Record` over every type makes a new event type a compile error here until it is documented;
 * test/event-vocabulary-doc.test.ts checks that every example validates and that the page is current.
 */
export interface EventTypeDoc<T extends LifecycleEventType = LifecycleEventType> {
  /** What the event means and what Kept does with it, in a sentence or two. */
  meaning: string;
  example: Extract<LifecycleEventInput, { type: T }>;
}

type EventDocs = { [T in LifecycleEventType]: EventTypeDoc<T> };

const customer = { brand: 'nordhem', customerId: 'olle' } as const;

export const eventTypeDocs: EventDocs = {
  'product.viewed': {
    meaning: 'The customer looked at a product. Starts the journey in `research`.',
    example: {
      type: 'product.viewed',
      eventId: 'web-7f3a1',
      ...customer,
      occurredAt: '2026-11-02T18:04:00Z',
      sku: 'shelf-oak-80',
      category: 'storage',
    },
  },
  'question.asked': {
    meaning:
      'A pre-sales question. The `question.answer` playbook makes it a task due within the brand’s response target.',
    example: {
      type: 'question.asked',
      eventId: 'chat-q-311',
      ...customer,
      occurredAt: '2026-11-02T18:10:00Z',
      questionId: 'q-311',
      text: 'Does the oak shelf come assembled?',
      channel: 'chat',
    },
  },
  'question.answered': {
    meaning: 'The question was answered; the task’s goal is met.',
    example: {
      type: 'question.answered',
      eventId: 'chat-q-311-answered',
      ...customer,
      occurredAt: '2026-11-03T09:15:00Z',
      questionId: 'q-311',
    },
  },
  'products.compared': {
    meaning: 'The customer compared products (at least two skus). Stage `compare`.',
    example: {
      type: 'products.compared',
      eventId: 'web-7f3b9',
      ...customer,
      occurredAt: '2026-11-04T20:30:00Z',
      skus: ['shelf-oak-80', 'shelf-oak-120'],
    },
  },
  'quote.requested': {
    meaning: 'The customer asked for a quote.',
    example: {
      type: 'quote.requested',
      eventId: 'quote-88',
      ...customer,
      occurredAt: '2026-11-05T10:00:00Z',
      quoteId: 'quote-88',
      skus: ['shelf-oak-80'],
    },
  },
  'order.placed': {
    meaning:
      'An order. Starts the order’s own journey, sends the confirmation, and turns `promisedDeliveryAt` into the promise `delivery-<orderId>`. `quantity` defaults to 1 and `currency` to EUR; `warrantyEndsAt` and `expectedUseDays` per item feed the warranty and replenishment playbooks.',
    example: {
      type: 'order.placed',
      eventId: 'shop-order-1001',
      ...customer,
      occurredAt: '2026-11-06T14:30:00Z',
      orderId: 'o-1001',
      items: [
        {
          sku: 'shelf-oak-80',
          name: 'Oak shelf 80 cm',
          category: 'storage',
          price: 129,
          quantity: 2,
          warrantyEndsAt: '2028-11-06T00:00:00Z',
        },
      ],
      currency: 'GBP',
      promisedDeliveryAt: '2026-11-12T18:00:00Z',
    },
  },
  'payment.failed': {
    meaning: 'A payment for an order failed.',
    example: {
      type: 'payment.failed',
      eventId: 'psp-evt-5521',
      ...customer,
      occurredAt: '2026-11-06T14:31:00Z',
      orderId: 'o-1001',
      reason: 'card declined',
    },
  },
  'order.cancelled': {
    meaning: 'The order was cancelled, and its delivery promise with it.',
    example: {
      type: 'order.cancelled',
      eventId: 'shop-order-1001-cancelled',
      ...customer,
      occurredAt: '2026-11-07T08:00:00Z',
      orderId: 'o-1001',
      reason: 'customer changed their mind',
    },
  },
  'shipment.dispatched': {
    meaning: 'The order left the warehouse. Stage `receive`; the carrier’s estimate feeds the late-delivery risk.',
    example: {
      type: 'shipment.dispatched',
      eventId: 'wms-ship-1001',
      ...customer,
      occurredAt: '2026-11-09T07:45:00Z',
      orderId: 'o-1001',
      carrier: 'DHL',
      trackingId: 'JD014600006543',
      estimatedDeliveryAt: '2026-11-11T17:00:00Z',
    },
  },
  'shipment.delayed': {
    meaning:
      'The carrier moved the estimate. The `delivery.late` playbook tells the customer before the promised date, with the new ETA.',
    example: {
      type: 'shipment.delayed',
      eventId: 'carrier-dhl-99812',
      ...customer,
      occurredAt: '2026-11-10T06:00:00Z',
      orderId: 'o-1001',
      newEstimatedDeliveryAt: '2026-11-14T17:00:00Z',
      reason: 'missed a connection',
    },
  },
  'shipment.delivered': {
    meaning: 'Delivered: keeps the delivery promise and schedules the setup check-in (3 days later).',
    example: {
      type: 'shipment.delivered',
      eventId: 'carrier-dhl-99850',
      ...customer,
      occurredAt: '2026-11-14T11:20:00Z',
      orderId: 'o-1001',
    },
  },
  'delivery.failed': {
    meaning: 'A delivery attempt failed; the `delivery.rescue` playbook reaches out.',
    example: {
      type: 'delivery.failed',
      eventId: 'carrier-dhl-99831',
      ...customer,
      occurredAt: '2026-11-13T15:00:00Z',
      orderId: 'o-1001',
      reason: 'nobody at home',
    },
  },
  'product.activated': {
    meaning: 'The customer started using the product. Stage `use`.',
    example: {
      type: 'product.activated',
      eventId: 'app-act-1001',
      ...customer,
      occurredAt: '2026-11-15T10:00:00Z',
      orderId: 'o-1001',
      sku: 'shelf-oak-80',
    },
  },
  'usage.reported': {
    meaning: 'A usage measure from product telemetry (any unit the brand chooses).',
    example: {
      type: 'usage.reported',
      eventId: 'tele-2026-11-20',
      ...customer,
      occurredAt: '2026-11-20T00:00:00Z',
      sku: 'shelf-oak-80',
      level: 5,
    },
  },
  'usage.dropped': {
    meaning: 'Usage fell; the `usage.help` playbook offers help.',
    example: {
      type: 'usage.dropped',
      eventId: 'tele-drop-2026-12-01',
      ...customer,
      occurredAt: '2026-12-01T00:00:00Z',
      sku: 'shelf-oak-80',
      previousLevel: 5,
      level: 1,
    },
  },
  'issue.reported': {
    meaning:
      'A service case opens (its own journey `kept/<brand>/case/<caseId>`). Stage `repair`; the profile’s response target for the severity becomes the promise `response-<caseId>`. `severity` defaults to normal, `channel` to email.',
    example: {
      type: 'issue.reported',
      eventId: 'desk-ticket-4410',
      ...customer,
      occurredAt: '2026-11-16T09:00:00Z',
      caseId: 'k-4410',
      orderId: 'o-1001',
      sku: 'shelf-oak-80',
      severity: 'high',
      category: 'damage',
      channel: 'email',
      summary: 'A scratch on the left side',
      owner: { kind: 'person', id: 'sam', team: 'support' },
    },
  },
  'case.updated': {
    meaning: 'Someone worked on the case; the first update keeps the response promise.',
    example: {
      type: 'case.updated',
      eventId: 'desk-ticket-4410-u1',
      ...customer,
      occurredAt: '2026-11-16T11:30:00Z',
      caseId: 'k-4410',
      note: 'Replacement side panel ordered',
    },
  },
  'case.resolved': {
    meaning:
      'The case ends with an outcome and a root-cause tag; a survey follows 2 hours later and a “did the fix hold?” check after 7 days.',
    example: {
      type: 'case.resolved',
      eventId: 'desk-ticket-4410-resolved',
      ...customer,
      occurredAt: '2026-11-18T16:00:00Z',
      caseId: 'k-4410',
      outcome: 'resolved',
      rootCause: 'packaging',
      note: 'Side panel replaced',
    },
  },
  'case.reopened': {
    meaning: 'The fix did not hold: the case opens again.',
    example: {
      type: 'case.reopened',
      eventId: 'desk-ticket-4410-reopened',
      ...customer,
      occurredAt: '2026-11-22T10:00:00Z',
      caseId: 'k-4410',
      reason: 'the new panel is scratched too',
    },
  },
  'return.requested': {
    meaning: 'The customer wants to send something back.',
    example: {
      type: 'return.requested',
      eventId: 'shop-return-77',
      ...customer,
      occurredAt: '2026-11-20T12:00:00Z',
      orderId: 'o-1001',
      sku: 'shelf-oak-80',
      reason: 'too small for the wall',
    },
  },
  'return.completed': {
    meaning: 'The return arrived and was refunded.',
    example: {
      type: 'return.completed',
      eventId: 'shop-return-77-done',
      ...customer,
      occurredAt: '2026-11-27T09:00:00Z',
      orderId: 'o-1001',
      refundAmount: 129,
    },
  },
  'subscription.renewed': {
    meaning: 'A subscription renewed. Stage `repurchase`.',
    example: {
      type: 'subscription.renewed',
      eventId: 'billing-sub-9-2027',
      ...customer,
      occurredAt: '2026-12-01T00:00:00Z',
      subscriptionId: 'sub-9',
      renewsAt: '2027-12-01T00:00:00Z',
    },
  },
  'warranty.expiring': {
    meaning: 'A warranty ends soon; the `warranty.expiring` playbook reminds the customer.',
    example: {
      type: 'warranty.expiring',
      eventId: 'warranty-o-1001-shelf',
      ...customer,
      occurredAt: '2028-10-07T00:00:00Z',
      sku: 'shelf-oak-80',
      orderId: 'o-1001',
      endsAt: '2028-11-06T00:00:00Z',
    },
  },
  'survey.answered': {
    meaning: 'A survey score (1–5) about a case or an order; meets the survey playbook’s goal.',
    example: {
      type: 'survey.answered',
      eventId: 'survey-k-4410',
      ...customer,
      occurredAt: '2026-11-18T19:00:00Z',
      caseId: 'k-4410',
      score: 4,
      comment: 'Quick and friendly',
    },
  },
  'consent.changed': {
    meaning:
      'The customer opted in or out of a message category, on every channel or on one. Transactional messages are always sent.',
    example: {
      type: 'consent.changed',
      eventId: 'prefs-olle-3',
      ...customer,
      occurredAt: '2026-11-06T14:35:00Z',
      category: 'educational',
      channel: 'email',
      granted: true,
    },
  },
  'profile.updated': {
    meaning:
      'What Kept knows about the customer: the name every message greets, the email and phone it reaches, the IANA timezone of quiet hours and dates, the locale of templates, the preferred channels. Send only the fields that changed.',
    example: {
      type: 'profile.updated',
      eventId: 'crm-olle-1',
      ...customer,
      occurredAt: '2026-11-02T18:00:00Z',
      name: 'Olle Svensson',
      email: 'olle@example.com',
      phone: '+46701234567',
      timezone: 'Europe/Stockholm',
      locale: 'en-GB',
      preferredChannels: ['email', 'sms'],
    },
  },
  'task.completed': {
    meaning:
      'A colleague did the task Kept gave them (the id is the one in the task message); `kept done <brand> <customer> <taskId>` sends this event.',
    example: {
      type: 'task.completed',
      eventId: 't-3f9a1c2b-done',
      ...customer,
      occurredAt: '2026-11-04T10:15:00Z',
      taskId: 't-3f9a1c2b',
      by: 'priya',
      note: 'Called Olle; the sofa is set up and he is happy with it.',
    },
  },
};
