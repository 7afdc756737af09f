import type { Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { InvalidPromiseError, PromiseClient, PromiseClosedError, PromiseNotFoundError } from '../client/promises';
import { loadServiceProfile } from '../common/profiles/load-profiles';
import type { ServiceProfile } from '../common/profiles/schema';
import type { ImplicitPromiseCommand } from '../workflows/journey/implicit-promises';
import path from 'node:path';
import { existsSync } from 'node:fs';

export interface ImplicitPromiseRequest {
  brand: string;
  customerId: string;
  contact: { name?: string; email?: string; phone?: string; locale?: string; timezone?: string };
  commands: ImplicitPromiseCommand[];
}

/**
 * Carries out the journey's implicit promises with the promise client: a delivery date or a
 * case's first-response target becomes a promise workflow, kept when the parcel arrives or
 * the case gets its first answer. Idempotent: the promise ids are deterministic, a promise
 * made twice is found, one already closed stays closed.
 */
export function createImplicitPromiseActivities(client: Client, profilesDir: string) {
  const profileOf = (brand: string): ServiceProfile | undefined => {
    const file = path.join(profilesDir, `${brand}.json`);
    return existsSync(file) ? loadServiceProfile(file) : undefined;
  };
  return {
    async keepImplicitPromises(request: ImplicitPromiseRequest): Promise<string[]> {
      const promises = new PromiseClient({
        client,
        taskQueue: Context.current().info.taskQueue,
        profiles: profileOf,
        // These commitments are already made (a published date or target): they are recorded
        // whatever the load, so the capacity lookup is skipped.
        openPromises: async () => [],
      });
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
