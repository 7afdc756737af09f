import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Channel } from '../../common/events';
import {
  outreachRequestSchema,
  type DeliveryResult,
  type OutreachRequest,
  type OutreachRequestInput,
} from '../../common/outreach/contract';
import { canReach } from '../../common/outreach/policy';
import { createUnsubscribeToken, unsubscribeUrl } from '../../common/outreach/unsubscribe';
import type { ServiceProfile } from '../../common/profiles/schema';
import type { Playbook } from '../../common/playbooks/schema';
import { composeMessage } from './compose';
import { sendEmail, type MailTransport } from './email';
import { DELIVERED, type DecisionEntry, type DeliveryLedger, type DeliveryRecord } from './ledger';
import { TemplateDataError, TemplateLibrary, TemplateNotFoundError } from './templates';
import { taskMessageData, type StaffParty } from './task-message';
import { postWebhook } from './webhook';

/**
 * `deliverOutreach`: the one outreach path. Effectively-once:
 *  1. the ledger is checked first — a key already delivered answers `duplicate`, sends nothing;
 *  2. the attempt is recorded ('sending') before anything leaves;
 *  3. the message goes out carrying the key (email Message-ID, webhook Idempotency-Key);
 *  4. the outcome is recorded ('sent' / 'task-created', or 'failed' with the error).
 * If the worker dies between 3 and 4, the next attempt finds 'sending' and sends again
 * with the same Message-ID / Idempotency-Key, which the receiver deduplicates (the dev
 * capture server does; webhook receivers are expected to; mailbox providers collapse
 * equal Message-IDs). See README "Effectively-once delivery".
 */
export interface OutreachDependencies {
  ledger: DeliveryLedger;
  profiles: ReadonlyMap<string, ServiceProfile>;
  templates: TemplateLibrary;
  mail: MailTransport;
  webhookSecret: string;
  unsubscribe: { secret: string; baseUrl: string };
  /** The brand's playbooks, for the reason in the customer's language; absent: the request's reason. */
  playbooks?: (brand: string) => readonly Playbook[] | undefined;
  now?: () => Date;
}

type Route =
  | {
      kind: 'email';
      channel: 'email';
      address: string;
      name?: string;
      template: string;
      footer: boolean;
      /** For a task mailed to a colleague: who it is for (the message greets them, not the customer). */
      assignee?: StaffParty;
    }
  | { kind: 'webhook'; channel: Channel; url: string }
  | { kind: 'task'; channel: Channel };

export function createOutreachActivities(deps: OutreachDependencies) {
  const now = deps.now ?? (() => new Date());

  async function deliverOutreach(input: OutreachRequestInput): Promise<DeliveryResult> {
    const request = parseRequest(input);
    const earlier = await deps.ledger.find(request.idempotencyKey);
    if (earlier && DELIVERED.has(earlier.status)) return duplicate(earlier);

    const profile = deps.profiles.get(request.brand);
    if (!profile) throw ApplicationFailure.nonRetryable(`outreach: unknown brand ${request.brand}`, 'UnknownBrand');
    const route = planRoute(request, profile);
    const start = await deps.ledger.beginAttempt(ledgerEntry(request, route.channel), now());
    if (start.previousStatus && DELIVERED.has(start.previousStatus)) {
      const record = await deps.ledger.find(request.idempotencyKey);
      if (record) return duplicate(record);
    }
    if (start.previousStatus === 'sending')
      warn(`outreach ${request.idempotencyKey}: an earlier attempt stopped mid-send; resending with the same key`);

    try {
      const outcome = await send(request, profile, route);
      const deliveredAt = now();
      await deps.ledger.markDelivered(request.idempotencyKey, outcome, deliveredAt);
      return { idempotencyKey: request.idempotencyKey, ...outcome, sentAt: deliveredAt.toISOString() };
    } catch (error) {
      await deps.ledger.markFailed(request.idempotencyKey, (error as Error).message, now());
      throw error;
    }
  }

  async function send(
    request: OutreachRequest,
    profile: ServiceProfile,
    route: Route,
  ): Promise<{ status: 'sent' | 'task-created'; channel: Channel; messageId?: string }> {
    switch (route.kind) {
      case 'email': {
        const rendered = render(request, profile, route.template, route.footer, route.assignee);
        const messageId = await sendEmail(deps.mail, {
          idempotencyKey: request.idempotencyKey,
          from: { name: profile.sender.fromName, address: profile.sender.fromEmail },
          replyTo: profile.sender.replyTo,
          to: { name: route.name, address: route.address },
          category: request.category,
          unsubscribeUrl: rendered.unsubscribeUrl,
          ...rendered.message,
        });
        return { status: route.template === TASK_TEMPLATE ? 'task-created' : 'sent', channel: 'email', messageId };
      }
      case 'webhook': {
        const rendered = render(request, profile, request.template, false);
        await postWebhook({
          url: route.url,
          secret: deps.webhookSecret,
          idempotencyKey: request.idempotencyKey,
          now: now(),
          body: webhookBody(request, route.channel, rendered.message),
        });
        return { status: 'sent', channel: route.channel };
      }
      case 'task': {
        await postWebhook({
          url: profile.webhooks.tasks!,
          secret: deps.webhookSecret,
          idempotencyKey: request.idempotencyKey,
          now: now(),
          body: taskBody(request, profile, route.channel),
        });
        return { status: 'task-created', channel: route.channel };
      }
    }
  }

  function render(
    request: OutreachRequest,
    profile: ServiceProfile,
    template: string,
    footer: boolean,
    assignee?: StaffParty,
  ) {
    const customer = request.recipient.kind === 'customer' ? request.recipient : undefined;
    const link =
      footer && customer && request.category !== 'transactional'
        ? unsubscribeUrl(
            deps.unsubscribe.baseUrl,
            createUnsubscribeToken(
              { brand: request.brand, customerId: customer.customerId, category: request.category },
              deps.unsubscribe.secret,
              now(),
            ),
          )
        : undefined;
    const message = renderOrFail(() =>
      composeMessage({
        templates: deps.templates,
        profile,
        request,
        template,
        footer,
        unsubscribeUrl: link,
        now: now(),
        playbooks: deps.playbooks,
        assignee,
        extra: template === TASK_TEMPLATE ? taskMessageData(request, profile, handedOverAt()) : undefined,
      }),
    );
    return { message: { subject: message.subject, text: message.text, html: message.html }, unsubscribeUrl: link };
  }

  async function recordOutreachDecision(decision: DecisionEntry): Promise<void> {
    await deps.ledger.recordDecision(decision);
  }

  async function contactHistory(query: { brand: string; customerId: string; since: string }) {
    return deps.ledger.contactHistory(query.brand, query.customerId, new Date(query.since));
  }

  return { deliverOutreach, recordOutreachDecision, contactHistory };
}

/** A message with a missing value or no template cannot get better by retrying: it fails at once, and says why. */
function renderOrFail<T>(render: () => T): T {
  try {
    return render();
  } catch (error) {
    if (error instanceof TemplateDataError || error instanceof TemplateNotFoundError)
      throw ApplicationFailure.nonRetryable(error.message, error.name);
    throw error;
  }
}

function parseRequest(input: OutreachRequestInput): OutreachRequest {
  const result = outreachRequestSchema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`);
  throw ApplicationFailure.nonRetryable(`outreach request: ${fields.join('; ')}`, 'InvalidOutreachRequest');
}

/** Where a request goes: staff by email; human touchpoints and calls as tasks; customers on their channel. */
function planRoute(request: OutreachRequest, profile: ServiceProfile): Route {
  const recipient = request.recipient;
  if (recipient.kind !== 'customer') {
    const entry = profile.directory[recipient.id];
    if (!entry)
      throw ApplicationFailure.nonRetryable(
        `outreach: no address for ${recipient.kind} ${recipient.id} in the ${profile.brand} profile's directory`,
        'UnknownColleague',
      );
    return {
      kind: 'email',
      channel: 'email',
      address: entry.email,
      name: entry.name,
      template: request.template,
      footer: false,
    };
  }
  const human = profile.touchpoints[request.template as keyof ServiceProfile['touchpoints']] === 'human';
  if (human || request.channel === 'phone') {
    if (profile.webhooks.tasks) return { kind: 'task', channel: request.channel ?? 'phone' };
    const assignee = taskAssignee(request, profile);
    const entry = profile.directory[assignee.id];
    if (!entry)
      throw ApplicationFailure.nonRetryable(
        `outreach: human touchpoint ${request.template} but no task webhook and no address for ${assignee.id}`,
        'NoTaskRoute',
      );
    return {
      kind: 'email',
      channel: 'email',
      address: entry.email,
      name: entry.name,
      template: TASK_TEMPLATE,
      footer: false,
      assignee,
    };
  }
  const channel = request.channel ?? profile.channels.find((candidate) => canReach(recipient, candidate));
  if (!channel || !canReach(recipient, channel))
    throw ApplicationFailure.nonRetryable(
      `outreach: cannot reach customer ${recipient.customerId} on ${channel ?? 'any channel of the profile'}`,
      'Unreachable',
    );
  if (channel === 'email')
    return {
      kind: 'email',
      channel,
      address: recipient.email!,
      name: recipient.name,
      template: request.template,
      footer: true,
    };
  const url = channel === 'sms' || channel === 'push' || channel === 'chat' ? profile.webhooks[channel] : undefined;
  if (!url)
    throw ApplicationFailure.nonRetryable(
      `outreach: no ${channel} webhook in the ${profile.brand} profile`,
      'NoWebhook',
    );
  return { kind: 'webhook', channel, url };
}

/** The template of a task mailed to a colleague. */
const TASK_TEMPLATE = 'task.assigned';

/**
 * When the task was handed over: the first time this delivery was scheduled, the same on
 * every retry, so a retried task states the same deadline.
 */
function handedOverAt(): number {
  try {
    return Context.current().info.scheduledTimestampMs;
  } catch {
    return Date.now();
  }
}

/** A colleague's name from the directory; a team without one is named from its id ("client-advisors" → "Client advisors"). */
function taskAssignee(request: OutreachRequest, profile: ServiceProfile): StaffParty {
  const given = request.data.assignee as { kind?: unknown; id?: unknown } | undefined;
  if (given && typeof given.id === 'string') return { kind: String(given.kind ?? 'person'), id: given.id };
  return profile.escalation[0]!.notify;
}

function webhookBody(
  request: OutreachRequest,
  channel: Channel,
  message: { subject: string; text: string },
): Record<string, unknown> {
  const recipient = request.recipient.kind === 'customer' ? request.recipient : undefined;
  return {
    idempotencyKey: request.idempotencyKey,
    brand: request.brand,
    channel,
    category: request.category,
    template: request.template,
    reason: request.reason,
    to: { customerId: recipient?.customerId, phone: recipient?.phone, locale: recipient?.locale },
    title: message.subject,
    text: message.text,
  };
}

function taskBody(request: OutreachRequest, profile: ServiceProfile, channel: Channel): Record<string, unknown> {
  const recipient = request.recipient.kind === 'customer' ? request.recipient : undefined;
  return {
    taskId: request.idempotencyKey,
    brand: request.brand,
    kind: request.template,
    channel,
    reason: request.reason,
    assignee: taskAssignee(request, profile),
    customer: recipient && {
      id: recipient.customerId,
      name: recipient.name,
      email: recipient.email,
      phone: recipient.phone,
      locale: recipient.locale,
      timezone: recipient.timezone,
    },
    data: request.data,
  };
}

function ledgerEntry(request: OutreachRequest, channel: Channel) {
  const recipient = request.recipient;
  return {
    idempotencyKey: request.idempotencyKey,
    brand: request.brand,
    recipientKind: recipient.kind,
    recipientId: recipient.kind === 'customer' ? recipient.customerId : recipient.id,
    category: request.category,
    template: request.template,
    reason: request.reason,
    channel,
  };
}

function duplicate(record: DeliveryRecord): DeliveryResult {
  return {
    idempotencyKey: record.idempotencyKey,
    status: 'duplicate',
    channel: record.channel,
    messageId: record.messageId ?? undefined,
    sentAt: record.deliveredAt ?? record.updatedAt,
  };
}

function warn(message: string): void {
  try {
    Context.current().log.warn(message);
  } catch {
    console.warn(message);
  }
}
