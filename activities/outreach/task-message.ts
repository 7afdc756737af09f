import { fnv1a } from '../../common/playbooks/engine';
import type { OutreachRequest } from '../../common/outreach/contract';
import type { ServiceProfile } from '../../common/profiles/schema';
import { customerContextSchema, type CustomerContext } from '../../common/staff/customer-context';
import { staffTime, taskDueAt } from '../../common/staff/time';

/**
 * The task a colleague receives when a touchpoint is theirs (a white-glove call, an apology
 * in person): written for the colleague, not the customer. It says who the customer is,
 * what to do in words (never a template id), by when in the team's own time, and how to
 * mark it done.
 */
export interface StaffParty {
  kind: string;
  id: string;
}

/** What to do, per touchpoint, in the words a colleague reads. */
const WHAT_TO_DO: Record<string, string> = {
  'order.confirmation':
    'Confirm their order personally: thank them, and tell them what happens next and when it arrives.',
  'delivery.late':
    'Tell them, before they have to ask, that their delivery is running late: the new date, and what we are doing about it.',
  'delivery.failed': 'Tell them the delivery did not succeed, and arrange a new one at a time that suits them.',
  'setup.checkin': 'Check that their new purchase is set up and working, and help with anything that is not.',
  'usage.help': 'Their use of the product has dropped: find out why, and offer the help that fits.',
  'case.update': 'Give them an update on their case: where it stands and what happens next.',
  'case.survey': 'Ask how we handled their case, and note what they say.',
  'case.fix-check': 'Check that the fix for their case has held.',
  'promise.customer-notice': 'Tell them where we stand on what we promised them, before it is due.',
  'promise.apology': 'Apologise to them personally: we did not keep a promise we made them.',
  'promise.renegotiated': 'Confirm the new time we agreed with them for what we promised.',
  'promise.cancelled': 'Tell them the promise we made has been withdrawn, and why.',
  'warranty.expiring': 'Tell them their warranty ends soon, and what their options are.',
  replenish: 'Offer to replenish what they are likely to run out of soon.',
  'checkin.quarterly':
    'A personal check-in: ask how everything they bought from us is serving them, and note anything they need.',
};

const PREDICTED_LATE =
  'Tell them, before they have to ask, that their delivery may miss the date we gave: our own estimate says so (the reason below), the carrier has not reported a delay. Offer what we can do if the date matters to them.';

/** A short id for the colleague to quote; derived from the delivery's idempotency key (stable across retries). */
export function taskIdOf(idempotencyKey: string): string {
  return `t-${fnv1a(idempotencyKey)}`;
}

export function taskMessageData(
  request: OutreachRequest,
  profile: ServiceProfile,
  handedOverAt: number,
): Record<string, unknown> {
  const zone = profile.businessHours.timezone;
  const customer = request.recipient.kind === 'customer' ? request.recipient : undefined;
  const customerId = customer?.customerId ?? stringOf(request.data.customerId) ?? 'unknown';
  const context = parsedContext(request.data.customerContext);
  const taskId = taskIdOf(request.idempotencyKey);
  const due = dueBy(request, profile, handedOverAt);
  const promiseText = stringOf(request.data.promiseText);
  const promiseDue = stringOf(request.data.dueAt);
  return {
    task: {
      id: taskId,
      customer: customer?.name ?? context?.name ?? `customer ${customerId}`,
      what: whatToDo(request, profile),
      why: request.reason,
      dueBy: staffTime(due, zone),
      channel: request.channel === 'phone' || !request.channel ? 'a call' : request.channel,
      promise: promiseText ? `"${promiseText}"${promiseDue ? `, due ${staffTime(promiseDue, zone)}` : ''}` : undefined,
      doneCommand: `npm run kept -- done ${request.brand} ${customerId} ${taskId}`,
      doneHttp: `POST /v1/events {"type":"task.completed","eventId":"${taskId}-done","brand":"${request.brand}","customerId":"${customerId}","occurredAt":"<now>","taskId":"${taskId}"}`,
    },
    about: aboutLines(context, customer?.name ?? context?.name, customerId, zone),
  };
}

function whatToDo(request: OutreachRequest, profile: ServiceProfile): string {
  // A playbook's create-task names its task in words already.
  const named = stringOf(request.data.taskKind);
  if (named && named !== request.template) return endSentence(named);
  // Our own prediction, not the carrier's word: the colleague must not promise them a late parcel.
  if (request.template === 'delivery.late' && request.data.predictedLate === true) return PREDICTED_LATE;
  const words = WHAT_TO_DO[request.template] ?? `Contact them: ${request.reason}`;
  if (request.template === 'promise.apology') return `${words} What we offer: ${profile.promises.recovery}.`;
  return words;
}

/** The playbook's deadline when it set one; else the profile's time for tasks, and never after a promise's due time. */
function dueBy(request: OutreachRequest, profile: ServiceProfile, handedOverAt: number): number {
  const planned = Date.parse(stringOf(request.data.deadline) ?? '');
  if (Number.isFinite(planned)) return planned;
  const byProfile = taskDueAt(handedOverAt, profile.staff, profile.businessHours);
  const promiseDue = Date.parse(stringOf(request.data.dueAt) ?? '');
  if (request.template === 'promise.customer-notice' && Number.isFinite(promiseDue) && promiseDue > handedOverAt)
    return Math.min(byProfile, promiseDue);
  return byProfile;
}

/** One line each: who they are, their orders, their cases, their promises (what the journey knows). */
function aboutLines(context: CustomerContext | undefined, name: string | undefined, customerId: string, zone: string) {
  const lines = [`${name ?? 'A customer without a name on file'} (customer id ${customerId})`];
  if (!context) return lines;
  const service = context.service ? `, ${context.service} service` : '';
  lines.push(`Stage: ${context.stage}; ${plural(context.ordersPlaced, 'order')} placed so far${service}.`);
  for (const order of context.openOrders)
    lines.push(
      `Open order ${order.orderId}: ${order.status}${order.dueAt ? `, due ${staffTime(order.dueAt, zone)}` : ''}.`,
    );
  for (const item of context.openCases)
    lines.push(`Open case ${item.caseId} (${item.severity})${item.summary ? `: ${item.summary}` : ''}.`);
  if (context.openOrders.length === 0) lines.push('No open orders.');
  if (context.openCases.length === 0) lines.push('No open cases.');
  lines.push(context.openPromises > 0 ? `${plural(context.openPromises, 'open promise')}.` : 'No open promises.');
  return lines;
}

function parsedContext(value: unknown): CustomerContext | undefined {
  const parsed = customerContextSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const endSentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);
