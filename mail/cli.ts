import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadKeptEnv, projectPath } from '../common/config';
import { findCapturedMail, listCapturedMail, rawMessagePath, type CapturedMail } from './mailbox';

/**
 * `npm run mail`                 lists captured messages (date, to, subject, id);
 * `npm run mail -- show <id>`    prints one (headers, text; `--html` for the HTML part, `--raw` for the .eml).
 */
function main(args: string[]): number {
  const directory = path.join(projectPath(loadKeptEnv().KEPT_DATA_DIR), 'mail');
  const [command, id, ...flags] = args;
  if (!command || command === 'list') return list(directory);
  if (command === 'show' && id) return show(directory, id, flags);
  console.error('usage: npm run mail [-- list | show <id> [--html|--raw]]');
  return 2;
}

function list(directory: string): number {
  const mails = listCapturedMail(directory);
  if (mails.length === 0) {
    console.log(`no captured mail in ${directory} (is npm start running, and has Kept sent anything?)`);
    return 0;
  }
  for (const mail of mails) {
    const duplicates = mail.duplicatesCollapsed ? `  (+${mail.duplicatesCollapsed} duplicate)` : '';
    console.log(
      `${mail.receivedAt.slice(0, 19).replace('T', ' ')}  ${mail.id}  ${mail.to}  ${mail.subject}${duplicates}`,
    );
  }
  console.log(`\n${mails.length} message(s) in ${directory}; read one: npm run mail -- show <id>`);
  return 0;
}

function show(directory: string, id: string, flags: string[]): number {
  const mail = findCapturedMail(directory, id);
  if (!mail) {
    console.error(`no single captured message matches "${id}" (npm run mail lists them)`);
    return 1;
  }
  if (flags.includes('--raw')) {
    process.stdout.write(readFileSync(rawMessagePath(directory, mail.id)));
    return 0;
  }
  for (const [key, value] of readableHeaders(mail)) console.log(`${key}: ${value}`);
  console.log('');
  console.log(flags.includes('--html') ? mail.html : mail.text);
  return 0;
}

/**
 * The headers a person reads, decoded: subject and addresses come from the parsed message
 * (RFC 2047 encoded words such as `=?UTF-8?Q?...?=` are for mail software, not for people).
 */
export function readableHeaders(mail: CapturedMail): [string, string][] {
  const decoded: Record<string, string | null | undefined> = {
    from: mail.from,
    'reply-to': mail.replyTo,
    to: mail.to,
    subject: mail.subject,
  };
  const keys = ['date', 'from', 'reply-to', 'to', 'subject', 'message-id', 'list-unsubscribe'];
  return keys
    .map((key): [string, string | null | undefined] => [key, key in decoded ? decoded[key] : mail.headers[key]])
    .filter((entry): entry is [string, string] => Boolean(entry[1]));
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
