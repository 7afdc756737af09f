/**
 * The generation of workflow code this build starts journeys, orders and promises on
 * (workflows/lean-patches.ts lists what each generation changed).
 *
 * Whoever starts one of those runs (the client, the forwarding activity, the promise client,
 * continue-as-new) writes this number into the run's input as `codeGeneration`. The run then
 * knows its generation from its first history event, where asking `patched()` cost it a marker
 * and the SDK's `TemporalChangeVersion` upsert: two history events per workflow started, six
 * for a new customer's first order. Raise it together with a new generation in lean-patches.ts,
 * and record a set of histories for the replay test (scripts/record-histories.ts).
 */
export const WORKFLOW_CODE_GENERATION = 9;

/** What a starter adds to a run's input. */
export const startedOnThisGeneration = { codeGeneration: WORKFLOW_CODE_GENERATION } as const;
