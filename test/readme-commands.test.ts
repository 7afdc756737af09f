import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listCapturedMail } from '../mail/mailbox';
import { eventually, freePort } from './helpers/api';

/**
 * The README as a new user follows it: `npm start` (scripts/start.ts, its own dev server, on free
 * ports and a fresh data folder), then every command of every shell block marked
 * `<!-- readme-test -->`, in the README's order, as written (only `localhost:8080` becomes the
 * stack's API port). Each must exit 0 and show what the user is told to look for. Every other
 * shell block must say why it is not run (`<!-- readme-test: skip (why) -->`), so a new block
 * cannot slip past. `npm run demo` is one of the blocks: the last test reads the mail it produced.
 */
jest.setTimeout(1_200_000);

const ROOT = path.resolve(__dirname, '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const DEFAULT_API = 'localhost:8080';

interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  marker: 'run' | 'skip' | undefined;
  commands: string[];
}

/** The README's ```bash / ```sh blocks, with the readme-test marker on the line before (blank lines aside). */
function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    if (!/^```(bash|sh)\s*$/.test(lines[index]!)) continue;
    const end = lines.indexOf('```', index + 1);
    let previous = index - 1;
    while (previous >= 0 && lines[previous]!.trim() === '') previous -= 1;
    const markerLine = lines[previous] ?? '';
    const marker = /^<!-- readme-test -->$/.test(markerLine)
      ? 'run'
      : /^<!-- readme-test: skip \(.+\) -->$/.test(markerLine)
        ? 'skip'
        : undefined;
    blocks.push({ line: index + 1, marker, commands: commandsOf(lines.slice(index + 1, end)) });
    index = end;
  }
  return blocks;
}

/** One entry per command: comment lines dropped, `\` continuations and open single quotes joined. */
function commandsOf(lines: string[]): string[] {
  const commands: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    current += (current ? '\n' : '') + line;
    const quotesOpen = (current.match(/'/g)?.length ?? 0) % 2 === 1;
    if (!line.endsWith('\\') && !quotesOpen) {
      commands.push(current);
      current = '';
    }
  }
  if (current) commands.push(current);
  return commands;
}

/**
 * What the user is told to look for, per command (the first pattern that matches the command).
 * Output that depends on visibility (eventually consistent) may take a few runs to appear.
 */
const EXPECTED: [command: RegExp, output: RegExp][] = [
  [/kept -- event @examples\/first-event\.json/, /"stage": "purchase"/],
  [/workflow list --query "KeptBrand='nordhem' AND KeptStage='purchase'"/, /kept\/nordhem\/customer\/olle\b/],
  [/kept (-- )?journey nordhem olle/, /o-1001/],
  [/\/v1\/brands\/nordhem\/promises /, /"made":true/],
  [/npm run demo/, /: promise [\w-]+-callback: kept; promise [\w-]+-delivery-slot: breached/],
  [/preview -- maison-laurent delivery\.late fr-FR/, /\S/],
  [/schedule list/, /kept-maison-laurent-quarterly-checkin/],
  [/KeptOwner='sam'/, /kept\/nordhem\/promise\/p-42/],
  [/\/v1\/events /, /"applied":true/],
  [/customers\/olle\/journey/, /"customerId":"olle"/],
  [/kept promises --owner sam/, /p-42/],
  [/kept renegotiate nordhem p-42/, /promise p-42 at nordhem: now due/],
  [/kept reassign nordhem p-42 --owner priya/, /owner priya/],
  [/kept fulfil nordhem p-42/, /promise p-42 at nordhem: (kept|renegotiated)/],
  [/kept pause nordhem olle/, /paused/],
  [/kept resume nordhem olle/, /resumed/],
  [/kept report/, /kept-rate/],
  [/kept import examples\/history\.jsonl/, /^imported: /m],
];

interface Run {
  code: number;
  output: string;
}

function runCommand(command: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
}

function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(KEPT_|TEMPORAL_|NODE_ENV$)/.test(name)),
  );
  return { ...base, ...extra };
}

/** `<kept/nordhem/...=2Esurvey/...@kept>` → `kept/nordhem/....survey/...`. */
function deliveryKeyOf(messageId: string | null): string {
  return (messageId ?? '')
    .replace(/^<|@kept>$/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const IMPORT_LEFTOVERS = ['examples/history.jsonl.import-state.json', 'examples/history.jsonl.rejects.jsonl'];
const removeImportLeftovers = () => IMPORT_LEFTOVERS.forEach((file) => rmSync(path.join(ROOT, file), { force: true }));

describe('the README', () => {
  const blocks = shellBlocks(README);
  let dataDir: string;
  let apiPort: number;
  let env: NodeJS.ProcessEnv;
  let stack: ChildProcess | undefined;
  let exited: Promise<unknown>;
  let log = '';

  beforeAll(async () => {
    removeImportLeftovers();
    dataDir = mkdtempSync(path.join(tmpdir(), 'kept-readme-'));
    const [temporalPort, uiPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
    apiPort = await freePort();
    env = cleanEnv({
      KEPT_DATA_DIR: dataDir,
      KEPT_TEMPORAL_PORT: String(temporalPort),
      KEPT_TEMPORAL_UI_PORT: String(uiPort),
      KEPT_API_PORT: String(apiPort),
      KEPT_SMTP_PORT: String(smtpPort),
      KEPT_TASK_QUEUE: `readme-test-${temporalPort}`,
    });
    stack = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start.ts')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stack.stdout!.on('data', (chunk) => (log += chunk));
    stack.stderr!.on('data', (chunk) => (log += chunk));
    exited = new Promise((resolve) => stack!.once('exit', resolve));
    await eventually(async () => {
      expect((await fetch(`http://127.0.0.1:${apiPort}/ready`)).status).toBe(200);
      expect(log).toMatch(/\[kept\] worker started/);
    }, 120_000).catch((error: unknown) => {
      // Why npm start never became ready is in its own output, not in a refused connection.
      throw new Error(
        `npm start was not ready after 120 s: ${String(error)}\n--- its output, last 4,000 characters ---\n${log.slice(-4_000)}`,
      );
    });
  });

  afterAll(async () => {
    if (stack && stack.exitCode === null) {
      stack.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    removeImportLeftovers();
  });

  it('marks every shell block: run by this test, or skipped with a reason', () => {
    const unmarked = blocks.filter((block) => block.marker === undefined).map((block) => `README.md:${block.line}`);
    expect(unmarked).toEqual([]);
    expect(blocks.filter((block) => block.marker === 'run').length).toBeGreaterThan(3);
  });

  it('runs every command of the marked blocks, in order, against npm start', async () => {
    const commands = blocks.filter((block) => block.marker === 'run').flatMap((block) => block.commands);
    const expectationsUsed = new Set<RegExp>();
    for (const written of commands) {
      const command = written.replaceAll(DEFAULT_API, `localhost:${apiPort}`);
      const expectation = EXPECTED.find(([pattern]) => pattern.test(written));
      if (expectation) expectationsUsed.add(expectation[0]);
      let last: Run = { code: -1, output: '' };
      // Visibility (workflow lists) is eventually consistent: a command may need a second look.
      await eventually(async () => {
        last = await runCommand(command, env);
        expect({ command: written, code: last.code }).toEqual({ command: written, code: 0 });
        if (expectation) expect(last.output).toMatch(expectation[1]);
      }, 30_000).catch((error: unknown) => {
        throw new Error(
          `README command failed: ${written}\n${last.output}\n${String(error)}\n--- npm start log ---\n${log.slice(-4000)}`,
        );
      });
    }
    // Every expectation above belongs to a command the README still has.
    expect(EXPECTED.filter(([pattern]) => !expectationsUsed.has(pattern)).map(([pattern]) => String(pattern))).toEqual(
      [],
    );
  });

  it('shows the demo’s proactive outreach in npm run mail: each kind named in the README', async () => {
    const mailDir = path.join(dataDir, 'mail');
    const listing = await runCommand('npm run mail', env);
    expect(listing.code).toBe(0);
    // Identified by the delivery key in the Message-ID (`<key@kept>`, characters the grammar forbids as =XX):
    // deterministic per playbook or promise step, so the test does not hang on the templates' wording.
    const customerContact = (playbook: string) =>
      new RegExp(`^kept/nordhem/customer/olle-[a-z0-9]+/contact/${playbook.replaceAll('.', '\\.')}/`);
    const kinds: [kind: string, deliveryKey: RegExp][] = [
      ['order confirmation', customerContact('order.confirmation')],
      ['late-delivery notice', customerContact('delivery.late')],
      ['setup check-in', customerContact('setup.checkin')],
      ['survey', customerContact('case.survey')],
      ['reminder of the promise then kept', /^kept\/nordhem\/promise\/olle-[a-z0-9]+-callback\/reminder-1$/],
      [
        'apology for the promise breached',
        /^kept\/nordhem\/customer\/olle-[a-z0-9]+\/contact\/promise\/olle-[a-z0-9]+-delivery-slot\/apology$/,
      ],
    ];
    await eventually(async () => {
      const mails = listCapturedMail(mailDir);
      const listed = (await runCommand('npm run mail', env)).output;
      const missing = kinds
        .filter(([, deliveryKey]) => {
          const mail = mails.find((candidate) => deliveryKey.test(deliveryKeyOf(candidate.messageId)));
          return !mail || !listed.includes(mail.id) || mail.subject.trim() === '';
        })
        .map(([kind]) => kind);
      expect({ missing, keys: mails.map((mail) => deliveryKeyOf(mail.messageId)) }).toMatchObject({ missing: [] });
    }, 60_000);
  });
});
