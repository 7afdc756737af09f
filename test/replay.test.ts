import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';

/**
 * Determinism guard: every history recorded from an earlier version of Kept's workflows
 * (test/fixtures/histories/<version>/<workflow>.json, made by scripts/record-histories.ts)
 * must replay on today's code. A change to workflow code that would break running
 * journeys fails here; guard it with patched() instead.
 */
const root = path.resolve(__dirname, 'fixtures/histories');
const histories = readdirSync(root).flatMap((version) =>
  readdirSync(path.join(root, version))
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ name: `${version}/${file}`, file: path.join(root, version, file) })),
);

describe('replaying recorded histories on the current workflow code', () => {
  it('has recorded histories to replay', () => {
    expect(histories.length).toBeGreaterThanOrEqual(4);
  });

  it.each(histories)('replays $name', async ({ file }) => {
    const history = JSON.parse(readFileSync(file, 'utf8'));
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: process.env.KEPT_TEST_WORKFLOW_BUNDLE! }, replayName: path.basename(file) },
      history,
    );
  });
});
