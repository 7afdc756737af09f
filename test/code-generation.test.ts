import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WORKFLOW_CODE_GENERATION } from '../common/code-generation';
import { journeyWorkflowId } from '../common/ids';
import type { customerJourney } from '../workflows';
import { eventually } from './helpers/api';
import { patchIdsInHistory } from './helpers/patch-coverage';
import { connectDevServer, startKeptWorker, stopWorker, uniqueTaskQueue } from './helpers/temporal';

/**
 * A run's code generation (workflows/lean-patches.ts), on the real dev server: said in the
 * input by its starter, the run asks no patch marker; not said (a starter from before), it
 * asks the markers as it always did; said for a generation this worker does not know (a
 * client deployed before its workers), the worker refuses the task and writes nothing.
 */
describe('the workflow code generation a run starts on', () => {
  let env: TestWorkflowEnvironment;
  let worker: Awaited<ReturnType<typeof startKeptWorker>>;
  const taskQueue = uniqueTaskQueue('generation');
  const brand = 'plainbrand';

  beforeAll(async () => {
    env = await connectDevServer();
    worker = await startKeptWorker(env, { taskQueue });
  });

  afterAll(async () => {
    await stopWorker(worker);
    await env.teardown();
  });

  async function startJourney(customerId: string, codeGeneration?: number) {
    return env.client.workflow.start<typeof customerJourney>('customerJourney', {
      workflowId: journeyWorkflowId(brand, customerId),
      taskQueue,
      args: [{ brand, customerId, ...(codeGeneration === undefined ? {} : { codeGeneration }) }],
    });
  }

  async function history(handle: Awaited<ReturnType<typeof startJourney>>) {
    return (await handle.fetchHistory()).events ?? [];
  }

  /** The patch ids of the run's markers, read as the replay test's coverage check reads them. */
  async function patchMarkers(handle: Awaited<ReturnType<typeof startJourney>>): Promise<string[]> {
    return patchIdsInHistory(JSON.parse(historyToJSON(await handle.fetchHistory())));
  }

  async function firstTaskDone(handle: Awaited<ReturnType<typeof startJourney>>) {
    await eventually(async () => {
      expect((await history(handle)).some((event) => event.workflowTaskCompletedEventAttributes)).toBe(true);
    }, 30_000);
    return history(handle);
  }

  it('asks no patch marker when its starter says the generation', async () => {
    const handle = await startJourney(`gen-declared-${Date.now()}`, WORKFLOW_CODE_GENERATION);
    const events = await firstTaskDone(handle);
    expect(await patchMarkers(handle)).toEqual([]);
    expect(events.some((event) => event.upsertWorkflowSearchAttributesEventAttributes)).toBe(false);
    await handle.terminate('test over');
  });

  it('asks the markers, as before, when its starter does not say: generation 3 at most', async () => {
    const handle = await startJourney(`gen-asked-${Date.now()}`);
    await firstTaskDone(handle);
    expect(await patchMarkers(handle)).toEqual(['cost-lean-round-3']);
    await handle.terminate('test over');
  });

  it('waits, writing nothing, when its starter runs a newer generation than this worker', async () => {
    const newer = WORKFLOW_CODE_GENERATION + 1;
    const handle = await startJourney(`gen-newer-${Date.now()}`, newer);
    await eventually(async () => {
      const failed = (await history(handle)).find((event) => event.workflowTaskFailedEventAttributes);
      expect(failed?.workflowTaskFailedEventAttributes?.failure?.message).toContain(`generation ${newer}`);
    }, 30_000);
    const events = await history(handle);
    expect(events.some((event) => event.workflowTaskCompletedEventAttributes)).toBe(false);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test over');
  });
});
