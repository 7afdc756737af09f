import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBacktest } from '../backtest/run-backtest';
import { buildReport, compareReports, type ReportComparison } from '../backtest/report';
import { SAME_TIME_WITHIN_MS } from '../backtest/report/compare';
import type { ReportMessage } from '../backtest/report/schema';
import { writeGeneratedHistory } from '../examples/generate-history';
import { generateHistory } from '../examples/history-generator/generate';

/**
 * `--compare` on one generated history: the shipped config against a copy where ONE playbook
 * offset changes (the default setup check-in, three days after delivery → five). maison-laurent
 * overrides that playbook with its own offset (two days), so only nordhem's check-ins may move:
 * each by exactly two days on the history's timeline, and every other message stays as it was.
 * Both runs are sharded the same way (two servers), which also checks that shards merge cleanly.
 */
const DAY = 24 * 3_600_000;
const dir = mkdtempSync(path.join(tmpdir(), 'kept-backtest-compare-'));
const workflowBundle = { codePath: process.env.KEPT_TEST_WORKFLOW_BUNDLE! };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of config/ whose default setup.checkin fires `offset` after delivery. */
function configWithCheckinOffset(offset: string): string {
  const copy = path.join(dir, 'config-b');
  cpSync('config', copy, { recursive: true });
  const file = path.join(copy, 'playbooks', 'default.json');
  const playbooks = JSON.parse(readFileSync(file, 'utf8')) as {
    playbooks: { id: string; trigger: { after?: string; offset?: string } }[];
  };
  const checkin = playbooks.playbooks.find((playbook) => playbook.id === 'setup.checkin')!;
  expect(checkin.trigger).toEqual({ after: 'shipment.delivered', offset: 'P3D' });
  checkin.trigger.offset = offset;
  writeFileSync(file, JSON.stringify(playbooks, null, 2));
  return copy;
}

const isNordhemCheckin = (message: ReportMessage) =>
  message.brand === 'nordhem' && message.playbook === 'setup.checkin';
const key = (message: ReportMessage) => message.idempotencyKey;
/**
 * Two runs of the same history send a message a few milliseconds to seconds apart in virtual
 * time (task latency on the time-skipping server): "the same time" is within the comparison's tolerance.
 */
const expectSameTime = (a: string, b: string) =>
  expect(Math.abs(Date.parse(a) - Date.parse(b))).toBeLessThan(SAME_TIME_WITHIN_MS);

let comparison: ReportComparison;

beforeAll(async () => {
  // Seed 'd': a month of orders from both brands, delivered inside the history.
  const generated = generateHistory({ customers: 8, seed: 'd', days: 30, start: '2025-09-01T00:00:00.000Z' });
  const { history } = writeGeneratedHistory(generated, dir);
  const run = (configDir: string) => runBacktest({ historyFile: history, configDir, workflowBundle, shards: 2 });
  const [a, b] = await Promise.all([run('config'), run(configWithCheckinOffset('P5D'))]);
  comparison = compareReports(buildReport(a), buildReport(b), { a: 'config', b: 'config-b' });
}, 600_000);

it("moves every nordhem setup check-in by exactly the offset's two days", () => {
  const checkinsA = comparison.a.messages.filter(isNordhemCheckin);
  const checkinsB = comparison.b.messages.filter(isNordhemCheckin);
  expect(checkinsA.length).toBeGreaterThan(0);
  expect(checkinsB).toHaveLength(checkinsA.length);
  // A playbook contact's key names its trigger (the delivery), not the send time: the same
  // message, sent two days later, listed as moved; nothing only on one side.
  expect(comparison.messages.onlyInA).toEqual([]);
  expect(comparison.messages.onlyInB).toEqual([]);
  expect(comparison.messages.rescheduled).toEqual([]);
  expect(comparison.messages.moved.map(key).sort()).toEqual(checkinsA.map(key).sort());
  const sentInB = new Map(checkinsB.map((message) => [key(message), message.sentAt]));
  for (const checkin of checkinsA) {
    expect(sentInB.get(key(checkin))).toBeDefined();
    expectSameTime(new Date(Date.parse(checkin.sentAt) + 2 * DAY).toISOString(), sentInB.get(key(checkin))!);
  }
});

it('changes nothing else: every other message has the same key and time in both runs', () => {
  const others = (messages: ReportMessage[]) => messages.filter((message) => !isNordhemCheckin(message));
  const othersA = others(comparison.a.messages);
  const othersB = new Map(others(comparison.b.messages).map((message) => [key(message), message]));
  expect(othersA.length).toBeGreaterThan(0);
  expect(othersA.map(key).sort()).toEqual([...othersB.keys()].sort());
  for (const message of othersA) expectSameTime(message.sentAt, othersB.get(key(message))!.sentAt);
  expect(comparison.messages.same).toBe(othersA.length);
  // maison-laurent's own check-in offset (two days) is not the one that changed.
  const laurentCheckins = (messages: ReportMessage[]) =>
    messages.filter((message) => message.brand === 'maison-laurent' && message.playbook === 'setup.checkin').map(key);
  expect(laurentCheckins(comparison.b.messages)).toEqual(laurentCheckins(comparison.a.messages));
});
