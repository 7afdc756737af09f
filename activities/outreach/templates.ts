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
  brand: { id: string; displayName: string; signature: string };
  customer: { name?: string; firstName?: string; email?: string; phone?: string };
  recipientName: string;
  reason: string;
  /** Shown in the footer of non-transactional customer messages. */
  unsubscribeUrl?: string;
  timezone?: string;
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
};
const SIGN_OFF: Record<string, string> = { en: 'Warm regards,', fr: 'Bien cordialement,' };

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
    this.handlebars.registerHelper('date', (value: unknown, options: Handlebars.HelperOptions) => {
      // Helper arguments escape strict mode: a missing date is checked here.
      if (typeof value !== 'string' || value === '') throw new TemplateDataError('the date helper was given no date');
      return formatDate(value, options.data?.root as TemplateContext | undefined);
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
    const context: TemplateContext = { ...withoutEmptyValues(request.context), locale: found.locale };
    const file = (part: string) => path.join(found.folder, `${request.kind}.${part}.hbs`);
    const fill = (part: string, plainText: boolean) => {
      try {
        return this.template(file(part), plainText)(context);
      } catch (error) {
        throw new TemplateDataError(
          `template: ${found.source}/${request.kind}.${part}: a value is missing: ${(error as Error).message.split('\n')[0]}`,
        );
      }
    };

    const subject = neutraliseHeader(fill('subject', true));
    if (!subject) throw new TemplateNotFoundError(`template: ${found.source}/${request.kind}: the subject is empty`);
    const body = tidyText(fill('text', true));
    const footer = request.footer ? this.footer(found.locale, context) : undefined;

    const text = footer ? `${body}\n\n-- \n${footer.text}\n` : `${body}\n`;
    const htmlBody = existsSync(file('html')) ? fill('html', false) : textToHtml(body);
    const html = wrapHtml(htmlBody, footer?.html, found.locale, context.brand.displayName);
    return { subject, text, html, source: found.source, locale: found.locale };
  }

  private footer(locale: string, context: TemplateContext): { text: string; html: string } {
    const words = FOOTER_TEXT[locale.split('-')[0] ?? 'en'] ?? FOOTER_TEXT.en!;
    const lines = [`${words.why}: ${context.reason}`];
    if (context.unsubscribeUrl) lines.push(`${words.unsubscribe}: ${context.unsubscribeUrl}`);
    const escape = Handlebars.escapeExpression;
    const html = [
      `<p>${escape(words.why)}: ${escape(context.reason)}</p>`,
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

function formatDate(value: unknown, context: TemplateContext | undefined): string {
  if (typeof value !== 'string') return '';
  const instant = DateTime.fromISO(value, { zone: context?.timezone ?? 'UTC' });
  if (!instant.isValid) return value;
  const locale = typeof context?.locale === 'string' ? context.locale : 'en';
  return instant.setLocale(locale).toLocaleString(DateTime.DATE_FULL);
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

/** Paragraphs from the (already rendered) text, every character escaped. */
function textToHtml(text: string): string {
  return text
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${Handlebars.escapeExpression(paragraph).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
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
