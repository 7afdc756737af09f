import Database from 'better-sqlite3';
import type { Client } from '@temporalio/client';
import type { BacktestCapture, CapturedDecision, CapturedMessage, CapturedPromise } from './capture';
import type { Channel, MessageCategory } from '../common/events';
import { journeyWorkflowId } from '../common/ids';
import { listCapturedMail } from '../mail/mailbox';
import type { PromiseState } from '../common/promises/schema';
import { promiseStateQuery } from '../workflows/promise/messages';
import { journeyStateQuery } from '../workflows/journey/messages';
import type { OutreachDecision } from '../workflows/journey/outreach-state';
import type { TappedDelivery } from './delivery-tap';
import { toHistoryTime } from './time-shift';

/** What the run left behind, read back once the clock has stopped. */
export interface CollectSources {
  client: Client;
  ledgerFile: string;
  mailDir: string;
  delivered: ReadonlyMap<string, TappedDelivery>;
  startedWorkflows: ReadonlyMap<string, string>;
  /** Every customer journey of the run, as brand + customer id. */
  customers: { brand: string; customerId: string }[];
  /** Playbook ids of the configuration, to tell a playbook's contact from a promise's or an operator's. */
  playbookIds: ReadonlySet<string>;
  shiftMs: number;
}

type Observed = Pick<BacktestCapture, 'decisions' | 'messages' | 'promises'>;

/**
 * Decisions and deliveries from the ledger (its times are the activities' virtual times),
 * what each message was about from the delivery tap, subjects from the captured mail, and
 * promises through their own query (this server cannot list workflows: the ids come from the
 * starts the worker's client made). Every instant is moved back onto the history's timeline.
 */
export async function collectObserved(sources: CollectSources): Promise<Observed> {
  const ledger = readLedger(sources.ledgerFile);
  const journeyDecisions = await decisionsOfJourneys(sources.client, sources.customers);
  const subjects = new Map(listCapturedMail(sources.mailDir).map((mail) => [mail.messageId, mail.subject]));
  const messages = ledger.deliveries.map((row) => toMessage(row, sources, subjects));
  const templateOf = (key: string) => sources.delivered.get(key)?.request.template ?? journeyDecisions.get(key);
  const decisions: CapturedDecision[] = [
    ...ledger.decisions.map((row) => toDecision(row, templateOf(row.idempotencyKey), sources)),
    ...messages
      .filter((message) => message.recipientKind === 'customer' && isJourneyContact(message.idempotencyKey))
      .map((message) => sendDecision(message)),
  ].sort((a, b) => a.decidedAt.localeCompare(b.decidedAt) || a.idempotencyKey.localeCompare(b.idempotencyKey));
  const promises = await promisesOf(sources);
  const customerOfPromise = new Map(
    promises.map((promise) => [`kept/${promise.brand}/promise/${promise.promiseId}`, promise]),
  );
  for (const message of messages) {
    if (message.customerId) continue;
    const promise = customerOfPromise.get(promiseWorkflowOf(message.idempotencyKey) ?? '');
    if (promise) message.customerId = promise.customerId;
  }
  return {
    decisions,
    messages: messages.sort(
      (a, b) => a.sentAt.localeCompare(b.sentAt) || a.idempotencyKey.localeCompare(b.idempotencyKey),
    ),
    promises,
  };
}

interface DeliveryRow {
  idempotencyKey: string;
  brand: string;
  recipientKind: 'customer' | 'person' | 'team';
  recipientId: string;
  category: MessageCategory;
  template: string;
  channel: Channel;
  status: string;
  messageId: string | null;
  deliveredAt: string;
}

interface DecisionRow {
  idempotencyKey: string;
  brand: string;
  customerId: string;
  category: MessageCategory;
  decision: 'defer' | 'suppress';
  why: string | null;
  decidedAt: string;
}

function readLedger(file: string): { deliveries: DeliveryRow[]; decisions: DecisionRow[] } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const deliveries = db
      .prepare(
        `SELECT idempotency_key AS idempotencyKey, brand, recipient_kind AS recipientKind, recipient_id AS recipientId,
           category, template, channel, status, message_id AS messageId, delivered_at AS deliveredAt
         FROM outreach_deliveries WHERE status IN ('sent', 'task-created') ORDER BY delivered_at, idempotency_key`,
      )
      .all() as DeliveryRow[];
    const decisions = db
      .prepare(
        `SELECT idempotency_key AS idempotencyKey, brand, customer_id AS customerId, category, decision, why,
           decided_at AS decidedAt FROM outreach_decisions ORDER BY decided_at, id`,
      )
      .all() as DecisionRow[];
    return { deliveries, decisions };
  } finally {
    db.close();
  }
}

function toMessage(row: DeliveryRow, sources: CollectSources, subjects: Map<string | null, string>): CapturedMessage {
  const tapped = sources.delivered.get(row.idempotencyKey);
  const data = (tapped?.request.data ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
  const playbook = playbookOf(row.idempotencyKey, sources.playbookIds);
  const customerId =
    row.recipientKind === 'customer' ? row.recipientId : (text('customerId') ?? customerOfKey(row.idempotencyKey));
  const messageId = row.messageId ?? undefined;
  const subject = messageId ? subjects.get(messageId) : undefined;
  return {
    idempotencyKey: row.idempotencyKey,
    brand: row.brand,
    customerId: customerId ?? '',
    recipientKind: row.recipientKind,
    channel: row.channel,
    category: row.category,
    template: row.template,
    ...(playbook ? { playbook } : {}),
    ...(text('orderId') ? { orderId: text('orderId') } : {}),
    ...(text('sku') ? { sku: text('sku') } : {}),
    ...(text('caseId') ? { caseId: text('caseId') } : {}),
    isTask: row.status === 'task-created',
    sentAt: toHistoryTime(row.deliveredAt, sources.shiftMs),
    ...(subject !== undefined ? { subject } : {}),
    ...(messageId ? { messageId } : {}),
  };
}

function toDecision(row: DecisionRow, template: string | undefined, sources: CollectSources): CapturedDecision {
  const playbook = playbookOf(row.idempotencyKey, sources.playbookIds);
  const rule = row.why?.match(/^([a-z][a-z0-9-]*): /)?.[1];
  return {
    idempotencyKey: row.idempotencyKey,
    brand: row.brand,
    customerId: row.customerId,
    category: row.category,
    ...(template ? { template } : {}),
    ...(playbook ? { playbook } : {}),
    decision: row.decision,
    ...(rule ? { rule } : {}),
    decidedAt: toHistoryTime(row.decidedAt, sources.shiftMs),
  };
}

/** A journey's contact that went out is a policy decision too: 'send', at the moment it went. */
function sendDecision(message: CapturedMessage): CapturedDecision {
  return {
    idempotencyKey: message.idempotencyKey,
    brand: message.brand,
    customerId: message.customerId,
    category: message.category,
    template: message.template,
    ...(message.playbook ? { playbook: message.playbook } : {}),
    decision: 'send',
    decidedAt: message.sentAt,
  };
}

/** `kept/<brand>/customer/<id>/contact/<playbook>/<subject>/<at>...`: the playbook a journey contact came from. */
function playbookOf(key: string, playbookIds: ReadonlySet<string>): string | undefined {
  const contact = key.match(/^kept\/[^/]+\/customer\/[^/]+\/contact\/([^/]+)\//)?.[1];
  return contact && playbookIds.has(contact) ? contact : undefined;
}

function isJourneyContact(key: string): boolean {
  return /^kept\/[^/]+\/customer\/[^/]+\/contact\//.test(key);
}

function customerOfKey(key: string): string | undefined {
  return key.match(/^kept\/[^/]+\/customer\/([^/]+)\//)?.[1];
}

function promiseWorkflowOf(key: string): string | undefined {
  return key.match(/^(kept\/[^/]+\/promise\/[^/]+)\//)?.[1];
}

/** Template per contact key, from each journey's own record of its latest decisions. */
async function decisionsOfJourneys(
  client: Client,
  customers: CollectSources['customers'],
): Promise<Map<string, string>> {
  const templates = new Map<string, string>();
  await forEachLimited(customers, 16, async ({ brand, customerId }) => {
    const workflowId = journeyWorkflowId(brand, customerId);
    const state = await client.workflow
      .getHandle(workflowId)
      .query(journeyStateQuery)
      .catch(() => undefined);
    for (const decision of (state?.outreach.decisions ?? []) as OutreachDecision[])
      templates.set(`${workflowId}/contact/${decision.key}`, decision.template);
  });
  return templates;
}

async function promisesOf(sources: CollectSources): Promise<CapturedPromise[]> {
  const ids = [...sources.startedWorkflows].filter(([, type]) => type === 'promiseWorkflow').map(([id]) => id);
  const found: CapturedPromise[] = [];
  await forEachLimited(ids, 16, async (workflowId) => {
    const state = await sources.client.workflow
      .getHandle(workflowId)
      .query(promiseStateQuery)
      .catch(() => undefined);
    if (state) found.push(toPromise(state, sources.shiftMs));
  });
  return found.sort((a, b) => a.madeAt.localeCompare(b.madeAt) || a.promiseId.localeCompare(b.promiseId));
}

function toPromise(state: PromiseState, shiftMs: number): CapturedPromise {
  const outcome: CapturedPromise['outcome'] =
    state.result?.outcome ??
    (state.status === 'breached' ? 'breached' : state.status === 'at-risk' ? 'open' : state.status);
  return {
    promiseId: state.promiseId,
    brand: state.brand,
    customerId: state.customerId,
    kind: state.kind,
    ...(state.orderId ? { orderId: state.orderId } : {}),
    ...(state.caseId ? { caseId: state.caseId } : {}),
    madeAt: toHistoryTime(state.createdAt, shiftMs),
    dueAt: toHistoryTime(state.dueAt, shiftMs),
    outcome,
    ...(state.result ? { endedAt: toHistoryTime(state.result.endedAt, shiftMs) } : {}),
  };
}

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const next = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, next));
}
