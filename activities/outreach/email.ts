import { ApplicationFailure } from '@temporalio/common';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { neutraliseHeader } from './templates';

/**
 * The email channel: nodemailer over SMTP (the local capture server in development, a
 * real relay in production). The Message-ID is derived from the idempotency key alone, so
 * every resend of one outreach carries the same Message-ID and receivers can collapse it.
 */
export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (465); otherwise STARTTLS when offered. */
  secure: boolean;
  auth?: { user: string; pass: string };
  /** Fail fast when the server is away, so the activity's retry policy takes over. */
  connectionTimeoutMs?: number;
}

export interface OutgoingEmail {
  idempotencyKey: string;
  from: { name: string; address: string };
  replyTo?: string;
  to: { name?: string; address: string };
  subject: string;
  text: string;
  html: string;
  /** One-click unsubscribe (RFC 8058); absent on transactional and staff messages. */
  unsubscribeUrl?: string;
  category: string;
}

// RFC 5322 atext without '=', which escapes every other character.
const ATEXT = /[A-Za-z0-9!#$%&'*+/?^_`{|}~-]/;

/**
 * `<key@kept>`, with each character the Message-ID grammar does not allow written as =XX
 * (UTF-8 bytes in hex): deterministic, reversible, and a valid dot-atom.
 */
export function messageIdFor(idempotencyKey: string): string {
  let local = '';
  for (const char of idempotencyKey) {
    if (ATEXT.test(char)) local += char;
    else for (const byte of Buffer.from(char, 'utf8')) local += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `<${local}@kept>`;
}

export function createMailTransport(settings: SmtpSettings) {
  const options: SMTPTransport.Options = {
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.auth,
    connectionTimeout: settings.connectionTimeoutMs ?? 5_000,
    greetingTimeout: settings.connectionTimeoutMs ?? 5_000,
    socketTimeout: 30_000,
    // The capture server on localhost has no certificate; relays get STARTTLS when they offer it.
    ignoreTLS: settings.host === '127.0.0.1' || settings.host === 'localhost',
  };
  return nodemailer.createTransport(options);
}
export type MailTransport = ReturnType<typeof createMailTransport>;

export async function sendEmail(transport: MailTransport, email: OutgoingEmail): Promise<string> {
  const messageId = messageIdFor(email.idempotencyKey);
  const headers: Record<string, string> = {
    'X-Kept-Category': email.category,
    'Auto-Submitted': 'auto-generated',
  };
  if (email.unsubscribeUrl) {
    headers['List-Unsubscribe'] = `<${email.unsubscribeUrl}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  try {
    await transport.sendMail({
      messageId,
      from: { name: neutraliseHeader(email.from.name), address: email.from.address },
      replyTo: email.replyTo,
      to: email.to.name ? { name: neutraliseHeader(email.to.name), address: email.to.address } : email.to.address,
      subject: neutraliseHeader(email.subject),
      text: email.text,
      html: email.html,
      headers,
    });
  } catch (error) {
    throw classifySmtpError(error);
  }
  return messageId;
}

/** A 5xx reply (bad recipient, rejected message) will not change on retry; everything else might. */
function classifySmtpError(error: unknown): Error {
  const smtp = error as { responseCode?: number; code?: string; message?: string };
  const message = `SMTP: ${smtp.message ?? String(error)}`;
  if (smtp.responseCode !== undefined && smtp.responseCode >= 500 && smtp.code !== 'ECONNECTION')
    return ApplicationFailure.nonRetryable(message, 'SmtpRejected');
  return ApplicationFailure.create({ message, type: 'SmtpUnavailable', cause: error as Error });
}
