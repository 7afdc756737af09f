import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { DateTime } from 'luxon';

/**
 * Message templates: `templates/<brand|default>/<locale>/<kind>.{subject,text,html}.hbs`,
 * rendered with Handlebars. Lookup falls back by locale (fr-FR → fr → the brand's default
 * locale → en) and, at each locale, from the brand's own folder to `default/`.
 *
 * Completeness: templates are compiled `strict`, and empty values (undefined, null) are
 * left out of the context, so a value a template uses without `{{#if}}` must be there: a
 * message is never sent with a hole in it ("A little help with your"). A missing value
 * throws `TemplateDataError`, naming the template and the value.
 *
 * Safety: the HTML part escapes every value (Handlebars' default, or the whole text
 * escaped when a kind has no HTML template); the subject is rendered without escaping
 * (it is not HTML) but CR/LF and other line breaks are neutralised, so no value can start
 * a new header.
 */
export interface TemplateContext {
  /** `fromName` lets the sign-off follow the template's language rather than the recipient's. */
  brand: { id: string; displayName: string; signature: string; fromName?: string };
  customer: { name?: string; firstName?: string; email?: string; phone?: string };
  recipientName: string;
  reason: string;
  /** Shown in the footer of non-transactional customer messages. */
  unsubscribeUrl?: string;
  timezone?: string;
  /** The recipient's full locale (e.g. en-GB), for date formats finer than the template folder (en). */
  formatLocale?: string;
  /** When the message is rendered (ISO): `{{when}}` shows the time of an instant that is close. */
  now?: string;
  [key: string]: unknown;
}

export interface RenderRequest {
  brand: string;
  kind: string;
  /** The recipient's locale, if known. */
  locale?: string;
  brandDefaultLocale: string;
  context: TemplateContext;
  /** Whether to add the "why we are writing" and unsubscribe footer. */
  footer: boolean;
  /**
   * The footer's reason in the template's locale (e.g. a playbook's reason per language);
   * undefined: the context's `reason`. A `<kind>.reason.hbs` next to the template wins over both.
   */
  reasonFor?: (locale: string, context: TemplateContext) => string | undefined;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  /** The locale folder the template came from, e.g. `maison-laurent/fr`. */
  source: string;
  locale: string;
}

export class TemplateNotFoundError extends Error {
  override name = 'TemplateNotFoundError';
}

/** A template used a value the message's data does not have. */
export class TemplateDataError extends Error {
  override name = 'TemplateDataError';
}

const FOOTER_TEXT: Record<string, { why: string; unsubscribe: string }> = {
  en: { why: 'Why you are hearing from us', unsubscribe: 'Stop these messages' },
  fr: { why: 'Pourquoi nous vous écrivons', unsubscribe: 'Ne plus recevoir ces messages' },
  sv: { why: 'Varför du får det här', unsubscribe: 'Sluta få de här meddelandena' },
};
const SIGN_OFF: Record<string, string> = { en: 'Warm regards,', fr: 'Bien cordialement,', sv: 'Vänliga hälsningar,' };

/** Within this distance of now, a date alone is too vague: `{{when}}` adds the time. */
const TIME_MATTERS_WITHIN_MS = 48 * 3_600_000;

/** Snippets shared by a brand's templates in one locale: `_greeting.hbs` is `{{> greeting}}`. */
const PARTIALS = ['greeting', 'signature'] as const;

export function localeChain(requested: string | undefined, brandDefault: string): string[] {
  const chain: string[] = [];
  for (const locale of [requested, brandDefault, 'en']) {
    if (!locale) continue;
    chain.push(locale);
    const language = locale.split('-')[0];
    if (language) chain.push(language);
  }
  return [...new Set(chain)];
}

/** Removes every line break and control character from a header value. */
export function neutraliseHeader(value: string, maxLength = 200): string {
  return (
    value
      // eslint-disable-next-line no-control-regex
      .replace(/[\r\n\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, maxLength)
  );
}

export function signOff(locale: string, fromName: string): string {
  return `${SIGN_OFF[locale.split('-')[0] ?? 'en'] ?? SIGN_OFF.en}\n${fromName}`;
}

export class TemplateLibrary {
  private readonly handlebars = Handlebars.create();
  private readonly compiled = new Map<string, HandlebarsTemplateDelegate>();

  constructor(readonly directory: string) {
    const dateHelper = (style: InstantStyle) => (value: unknown, options: Handlebars.HelperOptions) => {
      // Helper arguments escape strict mode: a missing date is checked here.
      if (typeof value !== 'string' || value === '')
        throw new TemplateDataError(`the ${style} helper was given no date`);
      return formatInstant(value, style, options.data?.root as TemplateContext | undefined);
    };
    // {{date x}}: the day; {{dateTime x}}: day and time (a slot); {{when x}}: the time too when it is close.
    this.handlebars.registerHelper('date', dateHelper('date'));
    this.handlebars.registerHelper('dateTime', dateHelper('dateTime'));
    this.handlebars.registerHelper('when', dateHelper('when'));
    // {{inLanguage x}}: a configured text given per language ({ en, fr }) in the template's language.
    this.handlebars.registerHelper('inLanguage', (value: unknown, options: Handlebars.HelperOptions) => {
      const locale = (options.data?.root as TemplateContext | undefined)?.locale;
      const text = inLanguage(value, typeof locale === 'string' ? locale : 'en');
      if (!text) throw new TemplateDataError('the inLanguage helper was given no text');
      return text;
    });
  }

  /** The folder a kind resolves to, or undefined: no template for that kind anywhere. */
  resolve(brand: string, kind: string, locale: string | undefined, brandDefault: string) {
    for (const candidate of localeChain(locale, brandDefault)) {
      for (const base of [brand, 'default']) {
        const folder = path.join(this.directory, base, candidate);
        if (existsSync(path.join(folder, `${kind}.text.hbs`)))
          return { folder, source: `${base}/${candidate}`, locale: candidate };
      }
    }
    return undefined;
  }

  render(request: RenderRequest): RenderedMessage {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(request.kind))
      throw new TemplateNotFoundError(`template: not a template name: ${JSON.stringify(request.kind)}`);
    const found = this.resolve(request.brand, request.kind, request.locale, request.brandDefaultLocale);
    if (!found)
      throw new TemplateNotFoundError(
        `template: no template "${request.kind}" for brand ${request.brand} in ${localeChain(request.locale, request.brandDefaultLocale).join(', ')} (looked in ${this.directory})`,
      );
    const given = withoutEmptyValues(request.context);
    const context: TemplateContext = {
      ...given,
      locale: found.locale,
      formatLocale: dateLocale(found.locale, [given.formatLocale, request.locale, request.brandDefaultLocale]),
    };
    const partials = this.partials(request.brand, found.locale);
    // The sign-off speaks the template's language (an English Maison Laurent mail signs off in English).
    context.brand = { ...context.brand, signature: this.signature(partials, context, found.locale) };
    const file = (part: string) => path.join(found.folder, `${request.kind}.${part}.hbs`);
    const fill = (part: string, plainText: boolean) => {
      try {
        return this.template(file(part), plainText)(context, { partials: partials[plainText ? 'text' : 'html'] });
      } catch (error) {
        throw new TemplateDataError(
          `template: ${found.source}/${request.kind}.${part}: a value is missing: ${(error as Error).message.split('\n')[0]}`,
        );
      }
    };

    const subject = neutraliseHeader(fill('subject', true));
    if (!subject) throw new TemplateNotFoundError(`template: ${found.source}/${request.kind}: the subject is empty`);
    const body = tidyText(fill('text', true));
    if (request.footer) context.reason = this.reason(request, found.locale, context, file('reason'), fill);
    const footer = request.footer ? this.footer(found.locale, context) : undefined;

    const text = footer ? `${body}\n\n-- \n${footer.text}\n` : `${body}\n`;
    const htmlBody = existsSync(file('html')) ? fill('html', false) : textToHtml(body);
    const html = this.layout(request.brand, { body: htmlBody, footer: footer?.html, lang: found.locale, context });
    return { subject, text, html, source: found.source, locale: found.locale };
  }

  /** Why we write, as this message words it: its own reason template, the caller's wording, or the given reason. */
  private reason(
    request: RenderRequest,
    locale: string,
    context: TemplateContext,
    reasonFile: string,
    fill: (part: string, plainText: boolean) => string,
  ): string {
    const own = existsSync(reasonFile) ? neutraliseHeader(fill('reason', true), 300) : undefined;
    const reason = own || request.reasonFor?.(locale, context) || context.reason;
    if (!reason?.trim())
      throw new TemplateDataError(`template: ${request.brand}/${locale}/${request.kind}: no reason to give the reader`);
    return reason;
  }

  /**
   * The text in a footer or a reason rendered outside a template, with the same date helpers:
   * `{date}` placeholders in playbook reasons come out as the customer reads dates.
   */
  formatInstant(value: string, style: InstantStyle, context: Partial<TemplateContext>): string {
    return formatInstant(value, style, context as TemplateContext);
  }

  /** The brand's snippets in the template's own locale (else `default/`'s); the HTML part gets them escaped. */
  private partials(brand: string, locale: string) {
    const text: Record<string, HandlebarsTemplateDelegate> = {};
    const html: Record<string, HandlebarsTemplateDelegate> = {};
    for (const name of PARTIALS) {
      const file = [brand, 'default']
        .map((base) => path.join(this.directory, base, locale, `_${name}.hbs`))
        .find((candidate) => existsSync(candidate));
      if (!file) continue;
      text[name] = this.template(file, true);
      html[name] = this.template(file, false);
    }
    return { text, html };
  }

  private signature(
    partials: ReturnType<TemplateLibrary['partials']>,
    context: TemplateContext,
    locale: string,
  ): string {
    const own = partials.text.signature;
    if (own) return tidyText(own(context, { partials: partials.text }));
    return context.brand.fromName ? signOff(locale, context.brand.fromName) : context.brand.signature;
  }

  /** `templates/<brand>/_layout.html.hbs` wraps the HTML part in the brand's own look; else a plain page. */
  private layout(
    brand: string,
    parts: { body: string; footer: string | undefined; lang: string; context: TemplateContext },
  ): string {
    const file = path.join(this.directory, brand, '_layout.html.hbs');
    if (!existsSync(file)) return wrapHtml(parts.body, parts.footer, parts.lang, parts.context.brand.displayName);
    return this.template(
      file,
      false,
    )({
      ...parts.context,
      lang: parts.lang,
      body: new Handlebars.SafeString(parts.body),
      footer: parts.footer ? new Handlebars.SafeString(parts.footer) : '',
    });
  }

  private footer(locale: string, context: TemplateContext): { text: string; html: string } {
    const words = FOOTER_TEXT[locale.split('-')[0] ?? 'en'] ?? FOOTER_TEXT.en!;
    // French sets a space before a colon.
    const colon = locale.startsWith('fr') ? '\u00a0:' : ':';
    const lines = [`${words.why}${colon} ${context.reason}`];
    if (context.unsubscribeUrl) lines.push(`${words.unsubscribe}${colon} ${context.unsubscribeUrl}`);
    const escape = Handlebars.escapeExpression;
    const html = [
      `<p>${escape(words.why)}${colon} ${escape(context.reason)}</p>`,
      context.unsubscribeUrl
        ? `<p><a href="${escapeAttribute(context.unsubscribeUrl)}">${escape(words.unsubscribe)}</a></p>`
        : '',
    ].join('');
    return { text: lines.join('\n'), html };
  }

  private template(file: string, plainText: boolean): HandlebarsTemplateDelegate {
    const key = `${plainText ? 'text' : 'html'}:${file}`;
    let template = this.compiled.get(key);
    if (!template) {
      template = this.handlebars.compile(readFileSync(file, 'utf8'), { noEscape: plainText, strict: true });
      this.compiled.set(key, template);
    }
    return template;
  }
}

/** Undefined and null values left out (in nested objects too), so strict mode sees them as missing. */
function withoutEmptyValues<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== undefined && field !== null)
      .map(([key, field]) => [key, isPlainObject(field) ? withoutEmptyValues(field) : field]),
  ) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** A text given once, or per language code with English as the fallback. */
export function inLanguage(value: unknown, locale: string): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const texts = value as Record<string, unknown>;
  const text = texts[locale.split('-')[0] ?? 'en'] ?? texts.en;
  return typeof text === 'string' ? text : undefined;
}

export type InstantStyle = 'date' | 'dateTime' | 'when';

/**
 * An instant as the reader says it: in their timezone and their locale's long format
 * ("4 December 2026", "4 décembre 2026", "December 4, 2026"), with the time for a slot or
 * when the instant is within two days of the message. Never an ISO string: a value that is
 * not an instant is a template bug and throws.
 */
function formatInstant(value: string, style: InstantStyle, context: TemplateContext | undefined): string {
  const instant = DateTime.fromISO(value, { zone: context?.timezone ?? 'UTC' });
  if (!instant.isValid) throw new TemplateDataError(`not a date: ${JSON.stringify(value)}`);
  const locale = context?.formatLocale ?? (typeof context?.locale === 'string' ? context.locale : 'en');
  const now = context?.now ? Date.parse(context.now) : Number.NaN;
  const close = Number.isFinite(now) && Math.abs(instant.toMillis() - now) <= TIME_MATTERS_WITHIN_MS;
  const withTime = style === 'dateTime' || (style === 'when' && close);
  const written = new Intl.DateTimeFormat(locale, {
    dateStyle: 'long',
    ...(withTime ? { timeStyle: 'short' } : {}),
    timeZone: instant.zoneName ?? 'UTC',
  }).format(instant.toJSDate());
  // French writes the first of the month as an ordinal ("1er juillet"); Intl does not.
  return locale.startsWith('fr') ? written.replace(/^1 /, '1er ') : written;
}

/**
 * The locale dates are written in: the first of the recipient's and the brand's locales that
 * speaks the template's language with a region (a template folder `en` for an en-GB reader
 * writes British dates); else the template's language in the region of the brand's last
 * locale (a reader who said only "en" of a brand at home in fr-FR reads en-FR: "18 June 2027").
 */
export function dateLocale(templateLocale: string, candidates: readonly (string | undefined)[]): string {
  const language = templateLocale.split('-')[0];
  const match = candidates.find((candidate) => candidate?.includes('-') && candidate.split('-')[0] === language);
  if (match) return match;
  const region = candidates.at(-1)?.split('-')[1];
  return region && !templateLocale.includes('-') ? `${language}-${region}` : templateLocale;
}

/** Enough for a double-quoted attribute, and keeps URLs readable (no &#x3D; for '='). */
function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Block helpers leave empty lines behind: keep at most one blank line between paragraphs. */
function tidyText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Paragraphs from the (already rendered) text, every character escaped, web addresses as links. */
function textToHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${linkify(Handlebars.escapeExpression(paragraph)).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
}

/** Escaped text in, escaped text out: an http(s) address (already escaped) becomes a link to itself. */
function linkify(escaped: string): string {
  return escaped.replace(/https?:\/\/[^\s<]+[^\s<.,;:!?)]/g, (url) => `<a href="${url}">${url}</a>`);
}

function wrapHtml(body: string, footer: string | undefined, locale: string, brandName: string): string {
  const escape = Handlebars.escapeExpression;
  return [
    '<!doctype html>',
    `<html lang="${escape(locale)}"><head><meta charset="utf-8"><title>${escape(brandName)}</title></head>`,
    '<body style="font-family: Georgia, serif; line-height: 1.5; color: #222; max-width: 36em">',
    body,
    footer ? `<hr><footer style="font-size: 0.85em; color: #666">${footer}</footer>` : '',
    '</body></html>',
  ].join('\n');
}
