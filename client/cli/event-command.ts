/**
 * `kept event` is typed by a person, for whom "it happened just now" is what a left-out
 * `occurredAt` means (the README's first example relies on it, so it stays valid on any date).
 * Every other front door (HTTP API, KeptClient, import) keeps `occurredAt` required: a backend
 * knows when things happened, and a batch of history must not collapse onto the time it was sent.
 * Only plain objects without the field are stamped; anything else is left for the schema to reject.
 */
export function stampMissingOccurredAt(input: unknown, receivedAt: Date): unknown {
  if (Array.isArray(input)) return input.map((event) => stampMissingOccurredAt(event, receivedAt));
  if (typeof input !== 'object' || input === null || 'occurredAt' in input) return input;
  return { ...input, occurredAt: receivedAt.toISOString() };
}
