import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The captured-mail folder (`<data>/mail/`): one `<id>.eml` (the raw message) and one
 * `<id>.json` (this summary) per distinct Message-ID. Read by `npm run mail` and tests.
 */
export interface CapturedMail {
  id: string;
  messageId: string | null;
  receivedAt: string;
  envelope: { from: string | null; to: string[] };
  from: string;
  to: string;
  replyTo: string | null;
  subject: string;
  headers: Record<string, string>;
  text: string;
  html: string;
  /** Further deliveries of the same Message-ID, collapsed into this one. */
  duplicatesCollapsed: number;
  lastDuplicateAt: string | null;
}

export function listCapturedMail(directory: string): CapturedMail[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as CapturedMail)
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
}

/** A message by its id or a unique prefix of it. */
export function findCapturedMail(directory: string, idOrPrefix: string): CapturedMail | undefined {
  const matches = listCapturedMail(directory).filter((mail) => mail.id.startsWith(idOrPrefix));
  return matches.length === 1 ? matches[0] : undefined;
}

export function rawMessagePath(directory: string, id: string): string {
  return path.join(directory, `${id}.eml`);
}
