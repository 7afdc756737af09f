import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { loadKeptEnv, projectPath } from '../common/config';
import { rawMessagePath, type CapturedMail } from './mailbox';

/**
 * The development mail server: accepts every message on localhost and writes it to
 * `<data>/mail/` (raw .eml plus a JSON summary) instead of delivering it.
 *
 * It stores each Message-ID once. Kept derives the Message-ID from the outreach's
 * idempotency key, so a resend after a worker died between "accepted" and "recorded"
 * lands here as a collapsed duplicate, not a second message — the same thing mailbox
 * providers do with equal Message-IDs. The count of collapsed copies is kept, so nothing
 * is hidden.
 */
export interface CaptureServerOptions {
  port: number;
  host?: string;
  directory: string;
  /** Called after a message is stored and before the client hears "250 accepted". */
  afterStore?: (mail: CapturedMail) => void | Promise<void>;
  log?: (line: string) => void;
}

export interface CaptureServer {
  port: number;
  close(): Promise<void>;
}

export async function startCaptureServer(options: CaptureServerOptions): Promise<CaptureServer> {
  mkdirSync(options.directory, { recursive: true });
  const log = options.log ?? (() => undefined);
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 20 * 1024 * 1024,
    banner: 'Kept mail capture (development): nothing leaves this machine',
    onAuth: (_auth, _session, callback) => callback(null, { user: 'capture' }),
    onData(stream, session, callback) {
      capture(stream, session, options)
        .then(async (mail) => {
          log(
            mail.duplicatesCollapsed > 0
              ? `duplicate of ${mail.messageId} collapsed (${mail.duplicatesCollapsed})`
              : `captured ${mail.id}: ${mail.to} — ${mail.subject}`,
          );
          await options.afterStore?.(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log(`error: ${error.message}`));
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function capture(
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  options: CaptureServerOptions,
): Promise<CapturedMail> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const parsed = await simpleParser(raw);
  const messageId = parsed.messageId ?? null;
  const id = createHash('sha256')
    .update(messageId ?? raw)
    .digest('hex')
    .slice(0, 16);
  const summaryFile = path.join(options.directory, `${id}.json`);
  const now = new Date().toISOString();

  if (existsSync(summaryFile)) {
    const stored = JSON.parse(readFileSync(summaryFile, 'utf8')) as CapturedMail;
    const updated = { ...stored, duplicatesCollapsed: stored.duplicatesCollapsed + 1, lastDuplicateAt: now };
    writeAtomically(summaryFile, JSON.stringify(updated, null, 2));
    return updated;
  }

  const headers: Record<string, string> = {};
  for (const line of parsed.headerLines) headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
  const mail: CapturedMail = {
    id,
    messageId,
    receivedAt: now,
    envelope: {
      from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
      to: session.envelope.rcptTo.map((recipient) => recipient.address),
    },
    from: addressText(parsed.from),
    to: addressText(parsed.to),
    replyTo: parsed.replyTo ? addressText(parsed.replyTo) : null,
    subject: parsed.subject ?? '',
    headers,
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    duplicatesCollapsed: 0,
    lastDuplicateAt: null,
  };
  writeAtomically(rawMessagePath(options.directory, id), raw);
  // The summary last: a message is listed only once its .eml is complete.
  writeAtomically(summaryFile, JSON.stringify(mail, null, 2));
  return mail;
}

function addressText(address: AddressObject | AddressObject[] | undefined): string {
  if (!address) return '';
  return (Array.isArray(address) ? address : [address]).map((entry) => entry.text).join(', ');
}

function writeAtomically(file: string, content: string | Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

/** `npm start` runs this file as a child process: the capture server on KEPT_SMTP_PORT. */
async function main(): Promise<void> {
  const env = loadKeptEnv();
  const directory = path.join(projectPath(env.KEPT_DATA_DIR), 'mail');
  const server = await startCaptureServer({
    port: env.KEPT_SMTP_PORT,
    directory,
    log: (line) => console.log(`[mail] ${line}`),
  });
  console.log(`[mail] capturing SMTP on 127.0.0.1:${server.port} into ${directory} (read it: npm run mail)`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error('[mail] capture server failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
