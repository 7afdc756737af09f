/**
 * Every activity the Kept worker registers, built from their dependencies (mail transport,
 * delivery ledger, profiles) so tests can pass real ones pointed at their own servers.
 */
export interface ActivityDependencies {
  /** Filled in as outreach, ledger and directory activities arrive. */
  readonly placeholder?: never;
}

export function createActivities(_deps: ActivityDependencies = {}) {
  return {};
}

export type KeptActivities = ReturnType<typeof createActivities>;
