import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { InvalidPromiseError, PromiseClient, PromiseClosedError, PromiseNotFoundError } from '../client/promises';
import { profileFileReader } from '../common/profiles/load-profiles';
import type { ServiceProfile } from '../common/profiles/schema';
import { journeyWorkflowId } from '../common/ids';
import type {
  ImplicitPromiseChange,
  ImplicitPromiseCommand,
  ImplicitPromiseRecord,
  ImplicitPromiseResult,
} from '../workflows/journey/implicit-promises';
import { journeyStateQuery } from '../workflows/journey/messages';

export interface ImplicitPromiseRequest {
  brand: string;
  customerId: string;
  contact: { name?: string; email?: string; phone?: string; locale?: string; timezone?: string };
  commands: ImplicitPromiseCommand[];
}

export interface ImplicitPromiseReconcileRequest {
  brand: string;
  customerId: string;
  contact: ImplicitPromiseRequest['contact'];
  changes: ImplicitPromiseChange[];
}

export type ImplicitPromiseActivities = ReturnType<typeof createImplicitPromiseActivities>;

/**
 * Carries out the journey's implicit promises with the promise client: a delivery date or a
 * case's first-response target becomes a promise workflow, kept when the parcel arrives or
 * the case gets its first answer. Idempotent: the promise ids are deterministic, a promise
 * made twice is found, one already closed stays closed.
 */
export function createImplicitPromiseActivities(client: Client, profilesDir: string) {
  const profileOf = profileFileReader(profilesDir);
  const promiseClient = () =>
    new PromiseClient({
      client,
      taskQueue: Context.current().info.taskQueue,
      profiles: profileOf,
      // These commitments are already made (a published date or target): they are recorded
      // whatever the load, so the capacity lookup is skipped.
      openPromises: async () => [],
    });
  return {
    /**
     * Brings each implicit promise to the status the journey derived from its orders and cases.
     * Answers per promise: what is now confirmed, or the error of a change that must be tried
     * again (the journey retries it with backoff). Idempotent, like every change it makes.
     */
    async reconcileImplicitPromises(request: ImplicitPromiseReconcileRequest): Promise<ImplicitPromiseResult[]> {
      const promises = promiseClient();
      const results: ImplicitPromiseResult[] = [];
      for (const change of request.changes) {
        try {
          results.push({
            promiseId: change.promiseId,
            record: await bringInStep(promises, request, change, profileOf),
          });
        } catch (error) {
          results.push({ promiseId: change.promiseId, error: error instanceof Error ? error.message : String(error) });
        }
      }
      return results;
    },

    /** When the journey saw the promise kept (delivered, first answer), if it did; null otherwise. */
    async implicitPromiseKeptAt(request: {
      brand: string;
      customerId: string;
      orderId?: string;
      caseId?: string;
    }): Promise<string | null> {
      const journey = client.workflow.getHandle(journeyWorkflowId(request.brand, request.customerId));
      try {
        const state = await journey.query(journeyStateQuery);
        if (request.orderId) return state.orders[request.orderId]?.deliveredAt ?? null;
        if (request.caseId) return state.cases[request.caseId]?.firstResponseAt ?? null;
        return null;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      }
    },

    async keepImplicitPromises(request: ImplicitPromiseRequest): Promise<string[]> {
      const promises = promiseClient();
      const outcomes: string[] = [];
      for (const command of request.commands) outcomes.push(await carryOut(promises, request, command, profileOf));
      return outcomes;
    },
  };
}

async function carryOut(
  promises: PromiseClient,
  request: ImplicitPromiseRequest,
  command: ImplicitPromiseCommand,
  profileOf: (brand: string) => ServiceProfile | undefined,
): Promise<string> {
  try {
    if (command.kind === 'fulfil') {
      await promises.fulfilPromise(request.brand, command.promiseId, { note: command.note });
      return `${command.promiseId}: kept`;
    }
    if (command.kind === 'cancel') {
      await promises.cancelPromise(request.brand, command.promiseId, { reason: command.reason });
      return `${command.promiseId}: cancelled`;
    }
    const profile = profileOf(request.brand);
    if (!profile) return `${command.promiseId}: no service profile, no promise`;
    await promises.makePromise(makeInput(request, command, profile));
    return `${command.promiseId}: made`;
  } catch (error) {
    // Nothing to keep (no such promise), already closed, or due in the past (imported history).
    if (
      error instanceof PromiseNotFoundError ||
      error instanceof PromiseClosedError ||
      error instanceof InvalidPromiseError
    ) {
      return `${command.promiseId}: ${error.message}`;
    }
    throw error;
  }
}

function makeInput(
  request: ImplicitPromiseRequest,
  command: Extract<ImplicitPromiseCommand, { kind: 'make' }>,
  profile: ServiceProfile,
) {
  const common = {
    brand: request.brand,
    customerId: request.customerId,
    promiseId: command.promiseId,
    contact: request.contact,
    orderId: command.orderId,
    caseId: command.caseId,
    // The brand made this commitment already (a delivery date, a published target): record it even when it strains capacity.
    insist: true,
  };
  if (command.promise === 'delivery') {
    return {
      ...common,
      text: `delivery of order ${command.orderId}`,
      kind: 'delivery' as const,
      owner: { kind: 'system' as const, id: 'fulfilment' },
      due: { at: command.dueAt! },
      channel: profile.channels.includes('email') ? ('email' as const) : profile.channels[0]!,
    };
  }
  const severity = (command.severity ?? 'normal') as keyof ServiceProfile['targets']['response'];
  const firstTeam = profile.escalation[0]!.notify;
  return {
    ...common,
    text: `a first answer on case ${command.caseId}`,
    kind: 'case-update' as const,
    owner: command.ownerId ? { kind: command.ownerKind!, id: command.ownerId } : firstTeam,
    due: { within: profile.targets.response[severity] ?? profile.targets.response.normal },
    channel: (command.channel as never) ?? profile.channels[0]!,
  };
}

/**
 * One change, answered with what is now true of the promise. The expected refusals are
 * answers, not failures: nothing to keep ('none'), already ended, or not makeable (no service
 * profile, due in the past or too far ahead); anything else throws and is retried.
 */
async function bringInStep(
  promises: PromiseClient,
  request: ImplicitPromiseReconcileRequest,
  change: ImplicitPromiseChange,
  profileOf: (brand: string) => ServiceProfile | undefined,
): Promise<ImplicitPromiseRecord> {
  try {
    if (change.kind === 'fulfil') {
      await fulfilAt(promises, request.brand, change);
      return { status: 'kept' };
    }
    if (change.kind === 'cancel') {
      await promises.cancelPromise(request.brand, change.promiseId, { reason: change.reason });
      return { status: 'cancelled' };
    }
    const profile = profileOf(request.brand);
    if (!profile) return { status: 'none', note: `no service profile for ${request.brand}` };
    // The journey records it open from this activity's answer (recordSyncRound).
    const answer = await promises.makePromise(reconcileMakeInput(request, change, profile), { madeByJourney: true });
    if (!answer.made) return { status: 'none', note: answer.note };
    // Two customers placed the same order id at the same instant, and both passed the ownership
    // check (README "Order and case ids"): the promise is the first one's, never this journey's.
    if (answer.customerId !== request.customerId) return { status: 'foreign', note: 'made to another customer' };
    return { status: 'open', dueAt: answer.dueAt };
  } catch (error) {
    if (error instanceof PromiseNotFoundError) return { status: 'none', note: 'never made' };
    if (error instanceof PromiseClosedError) return { status: 'ended', note: error.message };
    if (error instanceof InvalidPromiseError) return { status: 'none', note: error.message };
    throw error;
  }
}

/** Kept when it happened; a time the promise cannot take (clock skew: "in the future") falls back to now. */
async function fulfilAt(
  promises: PromiseClient,
  brand: string,
  change: Extract<ImplicitPromiseChange, { kind: 'fulfil' }>,
): Promise<void> {
  try {
    await promises.fulfilPromise(brand, change.promiseId, { note: change.note, at: change.at });
  } catch (error) {
    if (!(error instanceof InvalidPromiseError)) throw error;
    await promises.fulfilPromise(brand, change.promiseId, { note: change.note });
  }
}

function reconcileMakeInput(
  request: ImplicitPromiseReconcileRequest,
  change: Extract<ImplicitPromiseChange, { kind: 'make' }>,
  profile: ServiceProfile,
) {
  const common = {
    brand: request.brand,
    customerId: request.customerId,
    promiseId: change.promiseId,
    contact: request.contact,
    orderId: change.orderId,
    createdAt: change.createdAt,
    // The brand made this commitment already (a delivery date, a published target): record it even when it strains capacity.
    insist: true,
  };
  if (change.promise === 'delivery') {
    return {
      ...common,
      text: `delivery of order ${change.orderId}`,
      kind: 'delivery' as const,
      owner: { kind: 'system' as const, id: 'fulfilment' },
      due: { at: change.dueAt },
      channel: profile.channels.includes('email') ? ('email' as const) : profile.channels[0]!,
    };
  }
  const severity = change.severity as keyof ServiceProfile['targets']['response'];
  return {
    ...common,
    caseId: change.caseId,
    text: `a first answer on case ${change.caseId}`,
    kind: 'case-update' as const,
    owner: change.ownerId ? { kind: change.ownerKind!, id: change.ownerId } : profile.escalation[0]!.notify,
    due: { within: profile.targets.response[severity] ?? profile.targets.response.normal },
    channel: (change.channel as never) ?? profile.channels[0]!,
  };
}
