import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { z } from 'zod';
import { WORKFLOW_CODE_GENERATION } from '../common/code-generation';
import { patchCoverage, patchIdsInHistory, patchIdsInSource, recordedHistories } from './helpers/patch-coverage';

/**
 * Determinism guard: every history recorded from an earlier version of Kept's workflows
 * (test/fixtures/histories/<label>/<workflow>.json, made by scripts/record-histories.ts)
 * must replay on today's code. A change to workflow code that would break running
 * journeys fails here; guard it with patched() instead — and record a set that goes
 * through the new branch, or the coverage check below fails.
 */
const histories = recordedHistories();
const readHistory = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

describe('replaying recorded histories on the current workflow code', () => {
  it('has recorded histories to replay, from more than one version of the code', () => {
    const labels = new Set(histories.map((history) => history.name.split('/')[0]));
    expect(histories.length).toBeGreaterThanOrEqual(4);
    expect(labels.size).toBeGreaterThanOrEqual(2);
  });

  it.each(histories)('replays $name', async ({ file }) => {
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: process.env.KEPT_TEST_WORKFLOW_BUNDLE! }, replayName: path.basename(file) },
      readHistory(file),
    );
  });

  it('has, for every patched() branch in the workflow code, a recorded history that went through it', () => {
    const { ids, unreadable } = patchIdsInSource();
    // A patch id built at run time cannot be matched to a marker: write it as a string literal.
    expect(unreadable).toEqual([]);
    expect(ids).toEqual(expect.arrayContaining(['playbooks-v1', 'implicit-promises-v1']));
    const uncovered = [...patchCoverage(histories, ids)].filter(([, names]) => names.length === 0).map(([id]) => id);
    // Record a new set through the new branch: npx tsx scripts/record-histories.ts <label>
    expect(uncovered).toEqual([]);
  });

  it('has runs of the journey, the order and the promise that their starter said the generation of', () => {
    // Such a run asks no marker (lean-patches.ts): only its input says which branches it took.
    const declared = histories.flatMap((history) => {
      const start = declaredStart(readHistory(history.file));
      return start?.codeGeneration !== undefined && patchIdsInHistory(readHistory(history.file)).length === 0
        ? [start.workflowType]
        : [];
    });
    expect(new Set(declared)).toEqual(new Set(['customerJourney', 'orderJourney', 'promiseWorkflow']));
  });

  it('has recorded journeys of every generation a starter can declare, up to the newest', () => {
    const generations = new Set(
      histories.flatMap((history) => {
        const start = declaredStart(readHistory(history.file));
        return start?.workflowType === 'customerJourney' && start.codeGeneration !== undefined
          ? [start.codeGeneration]
          : [];
      }),
    );
    const declarable = Array.from({ length: WORKFLOW_CODE_GENERATION - 2 }, (_, index) => index + 3);
    expect([...generations].sort()).toEqual(declarable);
  });

  it('has journeys that took events through every event update, so each handler is replayed', () => {
    // A handler an update in history names must stay registered: recordFollowUpEvent has no
    // generation (its validator's answer is never in history), so only these histories guard it.
    const updateNames = new Set(histories.flatMap((history) => acceptedUpdateNames(readHistory(history.file))));
    expect([...updateNames]).toEqual(expect.arrayContaining(['recordEvent', 'recordEvents', 'recordFollowUpEvent']));
  });

  it('reads the patch markers the SDK writes (the coverage check could not pass vacuously)', () => {
    const before = histories.filter((history) => history.name.startsWith('v1-before-playbooks/'));
    expect(before.length).toBeGreaterThan(0);
    for (const history of before) expect(patchIdsInHistory(readHistory(history.file))).toEqual([]);
    const journey = histories.find((history) => history.name === '2026-12-trust-base/nordhem-journey.json');
    expect(patchIdsInHistory(readHistory(journey!.file))).toEqual(['implicit-promises-v1', 'playbooks-v1']);
  });
});

/** A history's first event: the run's start, with its input. */
const startedSchema = z.object({
  events: z.tuple(
    [
      z.object({
        workflowExecutionStartedEventAttributes: z.object({
          workflowType: z.object({ name: z.string() }),
          input: z.object({ payloads: z.array(z.object({ data: z.string().optional() })) }).optional(),
        }),
      }),
    ],
    z.unknown(),
  ),
});

/** The workflow type of a recorded run and the code generation its input declares, if any. */
function declaredStart(history: unknown): { workflowType: string; codeGeneration?: unknown } | undefined {
  const parsed = startedSchema.safeParse(history);
  if (!parsed.success) return undefined;
  const started = parsed.data.events[0].workflowExecutionStartedEventAttributes;
  const data = started.input?.payloads[0]?.data;
  const input = data ? (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as Record<string, unknown>) : {};
  return { workflowType: started.workflowType.name, codeGeneration: input.codeGeneration };
}

/** The names of the updates a history accepted. */
function acceptedUpdateNames(history: unknown): string[] {
  const events = (history as { events?: Record<string, unknown>[] }).events ?? [];
  return events.flatMap((event) => {
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes as
      { acceptedRequest?: { input?: { name?: string } } } | undefined;
    const name = accepted?.acceptedRequest?.input?.name;
    return name ? [name] : [];
  });
}
