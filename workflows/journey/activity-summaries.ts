import type { ForwardRequest } from '../../activities/journey-forwarding';
import type { ImplicitPromiseChange } from './implicit-promises';

/**
 * The words the Temporal UI's Timeline shows for the journey's activities, instead of their
 * function names: "forward 2 events to order o-1", "promises: make delivery-o-1, keep response-c-2".
 */
const NAMED_TARGETS = 3;

export function forwardSummary(requests: ForwardRequest[]): string {
  const targets = [...new Set(requests.map((request) => `${request.kind} ${request.id}`))];
  const events = `${requests.length} event${requests.length === 1 ? '' : 's'}`;
  const where = targets.length <= NAMED_TARGETS ? targets.join(', ') : `${targets.length} orders and cases`;
  return `forward ${events} to ${where}`;
}

const VERB: Readonly<Record<ImplicitPromiseChange['kind'], string>> = {
  make: 'make',
  fulfil: 'keep',
  cancel: 'cancel',
};

export function promiseChangesSummary(changes: ImplicitPromiseChange[]): string {
  const named = changes.slice(0, NAMED_TARGETS).map((change) => `${VERB[change.kind]} ${change.promiseId}`);
  const more = changes.length - named.length;
  return `promises: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
