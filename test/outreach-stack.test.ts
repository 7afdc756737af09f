import { existsSync } from 'node:fs';
import { temporaryDirectory } from './helpers/outreach';
import { startOutreachStack } from './helpers/outreach-stack';

/**
 * The test fixture most journey tests start with: when a part fails to start, the start fails
 * with that part's error and takes down what it had started (server, SMTP, folder), so a
 * broken beforeAll fails its file instead of leaving a server running into the next one.
 */
it('fails with the worker’s error and leaves nothing behind when its worker cannot start', async () => {
  const folder = temporaryDirectory('kept-stack-failure-');
  const start = startOutreachStack(folder, { workflowBundle: { codePath: `${folder.path}/no-such-bundle.js` } });
  await expect(start).rejects.toThrow(/no-such-bundle/);
  expect(existsSync(folder.path)).toBe(false);
});
