import { CASE_UPDATE_WITHOUT_NOTE, fillReason } from '../../common/playbooks/data';
import { playbookIdOfOutreachKey } from '../../common/playbooks/engine';
import { reasonIn, type Playbook } from '../../common/playbooks/schema';
import type { OutreachRequest } from '../../common/outreach/contract';
import type { ServiceProfile } from '../../common/profiles/schema';
import { signOff, type RenderedMessage, type TemplateContext, type TemplateLibrary } from './templates';
import type { StaffParty } from './task-message';

/**
 * Composes what a recipient reads from an outreach request: the template's data, the
 * greeting's name, the reason in the reader's language, dates in the reader's zone and
 * locale. The one path for sending (deliverOutreach), previews and the golden tests.
 *
 * Internal words never reach a customer: a promise's internal text and an operator's reason
 * (renegotiate, cancel) are removed from a customer's data before any template sees it, so a
 * customer template that used them would fail to render instead of leaking them.
 */
export interface ComposeInput {
  templates: TemplateLibrary;
  profile: ServiceProfile;
  request: OutreachRequest;
  /** The template actually used (a human touchpoint becomes `task.assigned`). */
  template: string;
  /** The "why you are hearing from us" footer (customer email). */
  footer: boolean;
  unsubscribeUrl?: string;
  now: Date;
  /** The brand's playbooks, for reasons worded per language. */
  playbooks?: (brand: string) => readonly Playbook[] | undefined;
  /** The colleague a human touchpoint's task goes to: then a colleague reads it, not the customer. */
  assignee?: StaffParty;
  /** More values for the template (a task's context: who the customer is, by when). */
  extra?: Record<string, unknown>;
}

/** Staff wording and operator notes: fine for colleagues, never shown to a customer. */
const INTERNAL_FIELDS = ['text', 'promiseText', 'description', 'note', 'reason', 'status', 'owner'] as const;

export function composeMessage(input: ComposeInput): RenderedMessage {
  const { request, profile } = input;
  const customer = readByCustomer(input) ? request.recipient : undefined;
  return input.templates.render({
    brand: request.brand,
    kind: input.template,
    locale: customer && 'locale' in customer ? customer.locale : undefined,
    brandDefaultLocale: profile.defaultLocale,
    context: templateContext(input),
    footer: input.footer && customer !== undefined,
    reasonFor: customer ? (locale, context) => localisedReason(input, locale, context) : undefined,
  });
}

/** The playbook's reason in the template's language, its dates as the reader writes them. */
function localisedReason(input: ComposeInput, locale: string, context: TemplateContext): string | undefined {
  if (input.request.recipient.kind !== 'customer') return undefined;
  const playbookId = playbookIdOfOutreachKey(input.request.idempotencyKey);
  const playbook = playbookId
    ? input.playbooks?.(input.request.brand)?.find((one) => one.id === playbookId)
    : undefined;
  const wording = playbook ? reasonIn(playbook.reason, locale) : undefined;
  if (!wording) return undefined;
  const filled = fillReason(wording, context, context.timezone, (instant) =>
    input.templates.formatInstant(instant, 'date', context),
  );
  return locale.startsWith('fr') ? frenchPunctuation(filled) : filled;
}

/** fillReason tidies spaces before punctuation the English way; French keeps one before ; : ! ? */
function frenchPunctuation(text: string): string {
  return text.replace(/(\S)([;:!?])(?=\s|$)/g, '$1\u00a0$2');
}

/** A task made from a customer touchpoint is read by the colleague it is assigned to. */
function readByCustomer(input: ComposeInput): boolean {
  return input.request.recipient.kind === 'customer' && input.assignee === undefined;
}

function templateContext(input: ComposeInput): TemplateContext {
  const { request, profile } = input;
  const recipient = request.recipient;
  const forCustomer = readByCustomer(input);
  const customer =
    recipient.kind === 'customer'
      ? { name: recipient.name, firstName: firstName(recipient.name), email: recipient.email, phone: recipient.phone }
      : customerFromData(request.data.customer);
  const colleague = input.assignee ?? (recipient.kind !== 'customer' ? recipient : undefined);
  const staffName = colleague ? staffNameOf(colleague, profile) : undefined;
  const locale =
    forCustomer && recipient.kind === 'customer' ? (recipient.locale ?? profile.defaultLocale) : profile.defaultLocale;
  const data = forCustomer ? withoutInternalFields(request.data) : request.data;
  return {
    recovery: profile.promises.recovery,
    ...data,
    customerId: recipient.kind === 'customer' ? recipient.customerId : request.data.customerId,
    taskId: request.idempotencyKey,
    taskKind: request.template,
    brand: {
      id: profile.brand,
      displayName: profile.displayName,
      signature: signOff(locale, profile.sender.fromName),
      fromName: profile.sender.fromName,
    },
    customer,
    // A name as the customer gave it ("Olle"), never derived from the id; none known: no name.
    recipientName: staffName ?? customer.firstName ?? '',
    // An operator's reason about a promise ("customer asked for the afternoon") is internal:
    // promise messages carry their own customer wording (`<kind>.reason.hbs`).
    reason: forCustomer && request.template.startsWith('promise.') ? '' : request.reason,
    unsubscribeUrl: input.unsubscribeUrl,
    timezone:
      forCustomer && recipient.kind === 'customer'
        ? (recipient.timezone ?? profile.businessHours.timezone)
        : profile.businessHours.timezone,
    formatLocale: locale,
    now: input.now.toISOString(),
    ...input.extra,
  };
}

/** A colleague's name from the brand's directory, else their id in words ("support-lead" → "Support lead"). */
export function staffNameOf(party: StaffParty, profile: ServiceProfile): string {
  const named = profile.directory[party.id]?.name;
  if (named) return named;
  const words = party.id.replace(/[-_.]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function withoutInternalFields(data: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...data };
  for (const field of INTERNAL_FIELDS) delete copy[field];
  // The journey's stock English answer: each template says "nothing new" in its own words.
  if (copy.update === CASE_UPDATE_WITHOUT_NOTE) delete copy.update;
  return copy;
}

function firstName(name: string | undefined): string | undefined {
  return name?.trim().split(/\s+/)[0] || undefined;
}

function customerFromData(value: unknown): TemplateContext['customer'] {
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
  return { name: text('name'), firstName: firstName(text('name')), email: text('email'), phone: text('phone') };
}
