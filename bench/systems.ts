import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import type { BrandStatisticsStore } from '../activities/anticipation/brand-statistics';
import { configAnnouncer } from '../client/config-announcer';
import { outlookAnnouncer } from '../client/outlook-announcer';
import { KeptClient } from '../client/kept-client';
import { loadKeptEnv, projectPath } from '../common/config';
import type { LifecycleEventInput } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { bareEventUpdate, type BareEvent } from './bare-messages';
import { floorCustomerId, floorPromiseId } from './floor-ids';
import type { FloorShape } from './floor-workflows';

/**
 * The two systems under test, behind one shape: what the bench sends (the same business
 * events) and where each keeps a customer's workflows (to read their histories).
 */
export type BenchEventKind = 'order.placed' | 'shipment.dispatched' | 'product.viewed' | 'profile.updated';

export interface BenchEvent {
  kind: BenchEventKind;
  customerId: string;
  /** For profile.updated: the customer's address and a zone where it is daytime now. */
  email?: string;
  timezone?: string;
  /** For order.placed: the promised delivery instant. */
  promisedAt?: Date;
}

export interface BenchSystem {
  name: 'kept' | 'bare' | 'floor';
  taskQueue: string;
  send(event: BenchEvent): Promise<unknown>;
  workflowIdsOf(customerId: string): Promise<string[]>;
}

export function keptSystem(
  client: Client,
  taskQueue: string,
  brand: string,
  statistics: BrandStatisticsStore,
): BenchSystem {
  // As the API sends events: with the config hash, read from the folders the bench's worker
  // reads, and each dispatch with its transit outlook, read from the worker's statistics.
  const configHashOf = configAnnouncer(projectPath(loadKeptEnv().KEPT_PROFILES_DIR));
  const kept = new KeptClient({ client, taskQueue, configHashOf, outlooksOf: outlookAnnouncer(statistics) });
  return {
    name: 'kept',
    taskQueue,
    send: (event) => kept.recordEvent(toKeptEvent(event, brand)),
    async workflowIdsOf(customerId) {
      const ids = new Set([journeyWorkflowId(brand, customerId)]);
      const query = `KeptBrand = '${brand}' AND KeptCustomerId = '${customerId}'`;
      for await (const workflow of client.workflow.list({ query })) ids.add(workflow.workflowId);
      return [...ids].sort();
    },
  };
}

export function bareSystem(client: Client, taskQueue: string, brand: string): BenchSystem {
  return {
    name: 'bare',
    taskQueue,
    send: (event) =>
      client.workflow.executeUpdateWithStart(bareEventUpdate, {
        args: [toBareEvent(event)],
        startWorkflowOperation: new WithStartWorkflowOperation('bareCustomer', {
          workflowId: bareWorkflowId(brand, event.customerId),
          taskQueue,
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      }),
    workflowIdsOf: async (customerId) => [bareWorkflowId(brand, customerId)],
  };
}

/** Kept's Temporal shape without Kept's logic (bench/floor-workflows.ts): ingest only. */
export function floorSystem(client: Client, taskQueue: string, brand: string, shape: FloorShape): BenchSystem {
  return {
    name: 'floor',
    taskQueue,
    send: (event) =>
      client.workflow.executeUpdateWithStart(bareEventUpdate, {
        args: [toBareEvent(event)],
        startWorkflowOperation: new WithStartWorkflowOperation('floorCustomer', {
          args: [event.customerId, shape],
          workflowId: floorCustomerId(brand, event.customerId),
          taskQueue,
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      }),
    workflowIdsOf: async (customerId) => [
      floorCustomerId(brand, customerId),
      ...(shape.promise ? [floorPromiseId(customerId)] : []),
    ],
  };
}

const bareWorkflowId = (brand: string, customerId: string) => `bare/${brand}/customer/${customerId}`;

function eventIdOf(event: BenchEvent): string {
  return `${event.customerId}-${event.kind}`;
}

function toKeptEvent(event: BenchEvent, brand: string): LifecycleEventInput {
  const envelope = {
    eventId: eventIdOf(event),
    brand,
    customerId: event.customerId,
    occurredAt: new Date().toISOString(),
  };
  const orderId = `o-${event.customerId}`;
  switch (event.kind) {
    case 'order.placed':
      return {
        ...envelope,
        type: 'order.placed',
        orderId,
        items: [{ sku: 'lamp', name: 'Lamp', category: 'lighting', price: 59 }],
        ...(event.promisedAt ? { promisedDeliveryAt: event.promisedAt.toISOString() } : {}),
      };
    case 'shipment.dispatched':
      return { ...envelope, type: 'shipment.dispatched', orderId };
    case 'product.viewed':
      return { ...envelope, type: 'product.viewed', sku: 'lamp', category: 'lighting' };
    case 'profile.updated':
      return { ...envelope, type: 'profile.updated', email: event.email, timezone: event.timezone };
  }
}

function toBareEvent(event: BenchEvent): BareEvent {
  return {
    eventId: eventIdOf(event),
    type: event.kind,
    ...(event.email ? { email: event.email } : {}),
    ...(event.promisedAt ? { dueAt: event.promisedAt.toISOString() } : {}),
  };
}
