import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import { createJourneyForwardingActivities } from '../activities/journey-forwarding';
import { createJourneyConfigActivities } from '../activities/journey-config';
import { createSweepActivities } from '../activities/sweep';
import { createImplicitPromiseActivities } from '../activities/implicit-promises';
import { createJourneyRoundActivities } from '../activities/journey-round';
import { createPromiseContactActivities } from '../activities/promise-contacts';
import { createPlaybookActionActivities } from '../activities/playbook-actions';
import { createAnticipationActivities } from '../activities/anticipation/statistics-activities';
import { createStaffDigestActivities } from '../activities/staff-digest';
import { loadKeptEnv, projectPath } from '../common/config';
import { checkedCacheSize, defaultMaxCachedWorkflows } from './tuning';
import { keptBundlerOptions } from './workflow-bundle';

export interface KeptWorkerOptions {
  connection: NativeConnection;
  /**
   * A client on the same namespace, for activities that start or signal workflows. Defaults
   * to one on the worker's own connection, which lets the promise and order workflows that
   * activities start run their first task here at once (client/eager-start.ts).
   */
  client?: Client;
  namespace: string;
  taskQueue: string;
  /**
   * A pre-built bundle (tests build it once), built with `keptWorkflowBundleOptions()`
   * (workers/workflow-bundle.ts) so the libraries stay shared; otherwise the worker bundles
   * `workflows/` itself, with the same options.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  activityDependencies?: ActivityDependencies;
  /** Where brands' service profiles are read at each decision (default KEPT_PROFILES_DIR). */
  profilesDir?: string;
  /** Where the playbooks are read at each decision (default config/playbooks). */
  playbooksDir?: string;
  /** Where configuration problems are reported (default: the console). */
  configLog?: Pick<Console, 'error'>;
  /** Extra activities (e.g. a test's own collaborators) merged over Kept's. */
  extraActivities?: object;
  /**
   * Workflows kept in memory between tasks (`defaultMaxCachedWorkflows()` otherwise, sized by
   * Kept's own heap per workflow rather than the SDK's generic guess). At least 1: journeys run
   * local activities, which need their workflow cached (workers/tuning.ts, NO_CACHE_MESSAGE).
   */
  maxCachedWorkflows?: number;
  /**
   * Any other SDK worker option: sizing (cache, slots, pollers, tuner; workers/tuning.ts reads
   * them from the environment), or e.g. `debugMode` for a bench that measures workflow heap.
   */
  workerOptions?: KeptWorkerSdkOptions;
}

/** The SDK options an embedder may set; what Kept runs (queue, workflows, activities) stays Kept's. */
export type KeptWorkerSdkOptions = Partial<
  Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'activities' | 'workflowBundle' | 'workflowsPath'>
>;

/** Creates the worker that runs every Kept workflow and activity on one task queue. */
export async function createKeptWorker(options: KeptWorkerOptions): Promise<Worker> {
  const client = options.client ?? new Client({ connection: options.connection, namespace: options.namespace });
  const profilesDir = options.profilesDir ?? projectPath(loadKeptEnv().KEPT_PROFILES_DIR);
  const forwarding = createJourneyForwardingActivities(client);
  const implicitPromises = createImplicitPromiseActivities(client, profilesDir);
  const config = createJourneyConfigActivities(profilesDir, options.playbooksDir, options.configLog);
  const statistics = createAnticipationActivities(options.activityDependencies?.statistics);
  const maxCachedWorkflows = checkedCacheSize(options.maxCachedWorkflows ?? options.workerOptions?.maxCachedWorkflows);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    maxCachedWorkflows: defaultMaxCachedWorkflows(),
    ...options.workerOptions,
    ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : {
          workflowsPath: require.resolve('../workflows'),
          bundlerOptions: {
            ...options.workerOptions?.bundlerOptions,
            ...keptBundlerOptions(options.workerOptions?.bundlerOptions?.webpackConfigHook),
          },
        }),
    activities: {
      ...createActivities(options.activityDependencies),
      ...forwarding,
      ...implicitPromises,
      ...createJourneyRoundActivities(forwarding, implicitPromises, { ...config, ...statistics }),
      ...createSweepActivities(client),
      ...config,
      ...createPromiseContactActivities(client),
      ...createPlaybookActionActivities(client, profilesDir),
      ...statistics,
      ...createStaffDigestActivities(client),
      ...options.extraActivities,
    },
  });
}
