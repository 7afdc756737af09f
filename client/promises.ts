import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { describeIssues } from '../common/events';
import { promiseWorkflowId } from '../common/ids';
import { checkCapacity, ownerCapacity, type Ledger } from '../common/promises/capacity';
import { BusinessTimeError } from '../common/business-time';
import {
  beyondPromiseHorizon,
  cancelPromiseSchema,
  fulfilPromiseSchema,
  makePromiseInputSchema,
  openPromiseStatuses,
  promiseWorkflowInputSchema,
  reassignPromiseSchema,
  renegotiatePromiseSchema,
  type CancelPromise,
  type CapacityVerdict,
  type FulfilPromise,
  type MakePromise,
  type MakePromiseInput,
  type PromiseOutcome,
  type PromiseState,
  type PromiseWorkflowInput,
  type ReassignPromise,
  type RenegotiatePromise,
} from '../common/promises/schema';
import type { ServiceProfile } from '../common/profiles/schema';
import {
  KeptBrand,
  KeptCaseId,
  KeptCustomerId,
  KeptKind,
  KeptNextDueAt,
  KeptOrderId,
  KeptOwner,
  KeptStatus,
  KeptTeam,
} from '../common/search-attributes';
import {
  cancelPromiseUpdate,
  fulfilPromiseUpdate,
  promiseStateQuery,
  reassignPromiseUpdate,
  renegotiatePromiseUpdate,
  wakePromiseUpdate,
} from '../workflows/promise/messages';
import { formatInZone } from '../workflows/journey/operator-view';
import { firstStepAt } from '../workflows/promise/first-step';
import { resolveDueAt } from '../workflows/promise/plan';
import type { promiseWorkflow } from '../workflows/promise/promise-workflow';
import { startedOnThisGeneration } from '../common/code-generation';
import { eagerStartOptions } from './eager-start';

/** Who a load lookup is about: one person, or a whole team. */
export interface LoadQuery {
  brand: string;
  owner?: string;
  team?: string;
}
/** Due instants of the open promises of an owner or a team. */
export type OpenPromiseSource = (query: LoadQuery) => Promise<number[]>;

export interface PromiseClientOptions {
  client: Client;
  taskQueue: string;
  /** The brands' service profiles, or a lookup. */
  profiles: Map<string, ServiceProfile> | ((brand: string) => ServiceProfile | undefined);
  /** Where open promises come from; default: Temporal visibility (see `visibilityLoad`). */
  openPromises?: OpenPromiseSource;
  /** The clock; tests on the time-skipping server pass the server's. Default: Date.now. */
  now?: () => number | Promise<number>;
}

export type MakePromiseAnswer =
  | {
      made: true;
      promiseId: string;
      workflowId: string;
      dueAt: string;
      capacity: CapacityVerdict;
      existed: boolean;
      /** The customer the promise is to: when it `existed`, the one it was first made to. */
      customerId: string;
    }
  | { made: false; overCommitted: true; proposedDueAt: string; note: string };

export class InvalidPromiseError extends Error {
  override name = 'InvalidPromiseError';
}
export class PromiseNotFoundError extends Error {
  override name = 'PromiseNotFoundError';
}
/** Who makes a promise, when it is not a caller of the client or API. */
export interface MadeBy {
  madeByJourney?: boolean;
}

export class PromiseClosedError extends Error {
  override name = 'PromiseClosedError';
}

/**
 * The typed way to make and change promises. Validates every input with the workflow's own
 * zod schemas (errors name the field), checks capacity before making, and turns Temporal's
 * errors into PromiseNotFoundError / PromiseClosedError / InvalidPromiseError.
 */
export class PromiseClient {
  private readonly openPromises: OpenPromiseSource;

  constructor(private readonly options: PromiseClientOptions) {
    this.openPromises = options.openPromises ?? visibilityLoad(options.client);
  }

  /**
   * Makes a promise, or answers that its due time would over-commit the owner (unless `insist`).
   * `madeByJourney` is for Kept's journey only: it records the promise open itself, so the
   * promise skips its opening report (see promiseWorkflowInputSchema).
   */
  async makePromise(raw: MakePromiseInput, made: MadeBy = {}): Promise<MakePromiseAnswer> {
    const input = parse(makePromiseInputSchema, raw);
    const profile = this.profile(input.brand);
    const now = await this.now();
    const createdAt = input.createdAt ?? new Date(now).toISOString();
    const owner = withTeam(input.owner, profile);
    const requested = input.due ? resolveDue(input.due, createdAt, profile) : undefined;
    if (requested !== undefined && requested <= now) {
      throw new InvalidPromiseError(`due: ${new Date(requested).toISOString()} is in the past`);
    }
    const tooFar = requested !== undefined && beyondPromiseHorizon(requested, Date.parse(createdAt));
    if (tooFar) throw new InvalidPromiseError(tooFar);
    const check = await this.checkCapacity(input.brand, owner, profile, now, requested);
    if (check.overCommitted && !input.insist) {
      return { made: false, overCommitted: true, proposedDueAt: iso(check.proposedDueAt), note: check.note };
    }
    const capacity: CapacityVerdict = {
      overCommitted: check.overCommitted,
      insisted: check.overCommitted && input.insist,
      proposedDueAt: iso(check.proposedDueAt),
      note: check.note,
    };
    const due = input.due ?? { at: iso(check.proposedDueAt) };
    return this.start({ ...input, owner, due, createdAt }, profile, capacity, made, now);
  }

  async fulfilPromise(brand: string, promiseId: string, change: FulfilPromise = {}): Promise<PromiseOutcome> {
    const args = parse(fulfilPromiseSchema, change);
    return this.change(brand, promiseId, () =>
      this.handle(brand, promiseId).executeUpdate(fulfilPromiseUpdate, { args: [args] }),
    );
  }

  async renegotiatePromise(brand: string, promiseId: string, change: RenegotiatePromise): Promise<PromiseState> {
    const args = parse(renegotiatePromiseSchema, change);
    return this.change(brand, promiseId, () =>
      this.handle(brand, promiseId).executeUpdate(renegotiatePromiseUpdate, { args: [args] }),
    );
  }

  async reassignPromise(brand: string, promiseId: string, change: ReassignPromise): Promise<PromiseState> {
    const args = parse(reassignPromiseSchema, change);
    const owner = withTeam(args.owner, this.profile(brand));
    return this.change(brand, promiseId, () =>
      this.handle(brand, promiseId).executeUpdate(reassignPromiseUpdate, { args: [{ ...args, owner }] }),
    );
  }

  async cancelPromise(brand: string, promiseId: string, change: CancelPromise): Promise<PromiseOutcome> {
    const args = parse(cancelPromiseSchema, change);
    return this.change(brand, promiseId, () =>
      this.handle(brand, promiseId).executeUpdate(cancelPromiseUpdate, { args: [args] }),
    );
  }

  /** The promise's state, including its outcome and measures once it ended. */
  async getPromise(brand: string, promiseId: string): Promise<PromiseState> {
    const handle = this.handle(brand, promiseId);
    try {
      return await handle.query(promiseStateQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw notFound(brand, promiseId);
      if (!(await this.wokeFromStartDelay(handle))) throw error;
      return await handle.query(promiseStateQuery);
    }
  }

  /**
   * A promise waiting for its first step (`deferredFirstTask` below) has run no workflow task, and a
   * query needs one: an update runs it at once. Answers whether that was why the query failed.
   */
  private async wokeFromStartDelay(handle: WorkflowHandle<typeof promiseWorkflow>): Promise<boolean> {
    const description = await handle.describe();
    const firstTaskAt = description.executionTime?.getTime();
    const waiting =
      description.status.name === 'RUNNING' && firstTaskAt !== undefined && firstTaskAt > (await this.now());
    if (waiting) await handle.executeUpdate(wakePromiseUpdate);
    return waiting;
  }

  private handle(brand: string, promiseId: string): WorkflowHandle<typeof promiseWorkflow> {
    return this.options.client.workflow.getHandle(promiseWorkflowId(brand, promiseId));
  }

  private async start(
    input: MakePromise & { due: NonNullable<MakePromise['due']>; createdAt: string },
    profile: ServiceProfile,
    capacity: CapacityVerdict,
    made: MadeBy,
    now: number,
  ): Promise<MakePromiseAnswer> {
    const workflowId = promiseWorkflowId(input.brand, input.promiseId);
    const args: PromiseWorkflowInput = {
      brand: input.brand,
      customerId: input.customerId,
      promiseId: input.promiseId,
      text: input.text,
      ...(input.customerText ? { customerText: input.customerText } : {}),
      kind: input.kind,
      owner: input.owner,
      due: input.due,
      channel: input.channel,
      ...(input.orderId ? { orderId: input.orderId } : {}),
      ...(input.caseId ? { caseId: input.caseId } : {}),
      contact: input.contact,
      createdAt: input.createdAt,
      ...(made.madeByJourney ? { madeByJourney: true } : {}),
      ...startedOnThisGeneration,
      profile: {
        businessHours: profile.businessHours,
        escalation: profile.escalation,
        promises: profile.promises,
        staff: profile.staff,
        webhookSubscriptions: profile.webhooks.subscriptions ?? [],
      },
      capacity,
    };
    const dueAt = iso(resolveDueAt(input.due, Date.parse(input.createdAt), profile));
    // Counted from the later of now and the promise's start: never past its first step, even on a
    // clock behind the server's (a time-skipping test's, whose activities read the wall clock).
    const firstTaskDelay = made.madeByJourney
      ? deferredFirstTask(args, Math.max(now, Date.parse(input.createdAt)))
      : undefined;
    try {
      await this.options.client.workflow.start<typeof promiseWorkflow>('promiseWorkflow', {
        workflowId,
        taskQueue: this.options.taskQueue,
        ...(firstTaskDelay === undefined ? eagerStartOptions(this.options.client) : { startDelay: firstTaskDelay }),
        args: [args],
        // A promise id is used once: a second make of the same id answers with the first.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: KeptKind, value: 'promise' },
          { key: KeptBrand, value: input.brand },
          { key: KeptCustomerId, value: input.customerId },
          { key: KeptStatus, value: 'open' },
          { key: KeptOwner, value: input.owner.id },
          ...(teamOf(input.owner) ? [{ key: KeptTeam, value: teamOf(input.owner)! }] : []),
          { key: KeptNextDueAt, value: new Date(dueAt) },
          ...(input.orderId ? [{ key: KeptOrderId, value: input.orderId }] : []),
          ...(input.caseId ? [{ key: KeptCaseId, value: input.caseId }] : []),
        ],
        // What the Temporal UI lists for the promise: its due time as the brand's staff read it, not in UTC.
        staticSummary: `${input.kind} promise to ${input.customerId}, due ${formatInZone(dueAt, profile.businessHours.timezone)}, owner ${input.owner.id}`,
        staticDetails: `"${input.text}" — expected on ${input.channel}${capacity.insisted ? '; made over capacity (insisted)' : ''}`,
      });
      return {
        made: true,
        promiseId: input.promiseId,
        workflowId,
        dueAt,
        capacity,
        existed: false,
        customerId: input.customerId,
      };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const state = await this.getPromise(input.brand, input.promiseId);
      return {
        made: true,
        promiseId: input.promiseId,
        workflowId,
        dueAt: state.dueAt,
        capacity: state.capacity ?? capacity,
        existed: true,
        customerId: state.customerId,
      };
    }
  }

  private async checkCapacity(
    brand: string,
    owner: MakePromise['owner'],
    profile: ServiceProfile,
    now: number,
    requestedDueAt?: number,
  ) {
    const { team, personPerDay } = ownerCapacity(owner, profile.capacity);
    const ledgers: Ledger[] = [];
    if (personPerDay !== undefined) {
      ledgers.push({
        label: owner.id,
        perDay: personPerDay,
        openDueAts: await this.openPromises({ brand, owner: owner.id }),
      });
    }
    if (team) {
      ledgers.push({
        label: `team ${team.id}`,
        perDay: team.perDay,
        openDueAts: await this.openPromises({ brand, team: team.id }),
      });
    }
    return checkCapacity({
      now,
      hours: profile.businessHours,
      ledgers,
      ...(requestedDueAt !== undefined ? { requestedDueAt } : {}),
    });
  }

  /** Runs an update and turns Temporal's errors into the promise's own. */
  private async change<T>(brand: string, promiseId: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
        const failure = error.cause;
        if (failure.type === 'PromiseClosed') throw new PromiseClosedError(failure.message);
        throw new InvalidPromiseError(failure.message);
      }
      throw await this.explain(brand, promiseId, error);
    }
  }

  /** An update on a closed or unknown workflow fails at the server: say which it was. */
  private async explain(brand: string, promiseId: string, error: unknown): Promise<unknown> {
    let description;
    try {
      description = await this.handle(brand, promiseId).describe();
    } catch (describeError) {
      return describeError instanceof WorkflowNotFoundError ? notFound(brand, promiseId) : error;
    }
    if (description.status.name === 'RUNNING') return error;
    const state = await this.getPromise(brand, promiseId).catch(() => undefined);
    const outcome = state?.result?.outcome ?? description.status.name.toLowerCase();
    return new PromiseClosedError(`promise ${promiseId} at ${brand} is already ${outcome}: it cannot be changed`);
  }

  private profile(brand: string): ServiceProfile {
    const { profiles } = this.options;
    const profile = typeof profiles === 'function' ? profiles(brand) : profiles.get(brand);
    if (!profile) throw new InvalidPromiseError(`brand: no service profile for ${brand}`);
    return profile;
  }

  private async now(): Promise<number> {
    return this.options.now ? await this.options.now() : Date.now();
  }
}

/**
 * The default load source: a visibility list of the running promise workflows of an owner or
 * team (their KeptNextDueAt). Visibility is eventually consistent: two promises made in the
 * same instant may not see each other. Ids are validated by idSchema (no quotes possible).
 */
export function visibilityLoad(client: Client): OpenPromiseSource {
  return async ({ brand, owner, team }) => {
    const who = owner ? `KeptOwner = '${owner}'` : `KeptTeam = '${team}'`;
    const statuses = openPromiseStatuses.map((s) => `'${s}'`).join(', ');
    const query = `KeptKind = 'promise' AND KeptBrand = '${brand}' AND ${who} AND KeptStatus IN (${statuses}) AND ExecutionStatus = 'Running'`;
    const dueAts: number[] = [];
    for await (const execution of client.workflow.list({ query })) {
      const dueAt = execution.typedSearchAttributes.get(KeptNextDueAt);
      if (dueAt) dueAts.push(dueAt.getTime());
    }
    return dueAts;
  };
}

/** A first step sooner than this is not worth a start delay: the promise starts at once. */
const DEFER_FIRST_TASK_MIN_MS = 60_000;

/**
 * How long a promise that a journey makes waits before its first workflow task: until its first
 * step (workflows/promise/first-step.ts). Until then its workflow would only start a timer and
 * sleep, and the journey already counts it open (it sends no opening report), so at an order's
 * placement the promise costs a workflow start and nothing more: no task, no timer, no worker
 * time. Its search attributes and summaries are set at start, so operators find and read it
 * meanwhile; an update (a delivery, a cancellation, an operator's change) runs it at once, and
 * so does a read (getPromise). A promise made through the API or CLI starts at once, as its
 * opening report is how its customer's journey learns of it.
 */
function deferredFirstTask(args: PromiseWorkflowInput, now: number): number | undefined {
  const delay = firstStepAt(promiseWorkflowInputSchema.parse(args)) - now;
  return delay >= DEFER_FIRST_TASK_MIN_MS ? delay : undefined;
}

/** A person without a team gets the team the profile lists them in (for KeptTeam and capacity). */
function withTeam(owner: MakePromise['owner'], profile: ServiceProfile): MakePromise['owner'] {
  if (owner.kind !== 'person' || owner.team) return owner;
  const team = profile.capacity.teams.find((t) => t.members.includes(owner.id));
  return team ? { ...owner, team: team.id } : owner;
}

/** The due instant; a business duration that finds no end in the calendar is the caller's error. */
function resolveDue(due: NonNullable<MakePromise['due']>, createdAt: string, profile: ServiceProfile): number {
  try {
    return resolveDueAt(due, Date.parse(createdAt), profile);
  } catch (error) {
    if (error instanceof BusinessTimeError) throw new InvalidPromiseError(`due: ${error.message}`);
    throw error;
  }
}

function teamOf(owner: MakePromise['owner']): string | undefined {
  return owner.team ?? (owner.kind === 'team' ? owner.id : undefined);
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidPromiseError(describeIssues(undefined, result.error));
  return result.data;
}

function notFound(brand: string, promiseId: string): PromiseNotFoundError {
  return new PromiseNotFoundError(
    `no promise ${promiseId} at ${brand} (workflow ${promiseWorkflowId(brand, promiseId)})`,
  );
}

const iso = (ms: number): string => new Date(ms).toISOString();
