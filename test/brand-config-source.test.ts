import type { BrandConfig } from '../activities/journey-config';
import { BrandConfigSource, CONFIG_TRUSTED_FOR_MS } from '../workflows/journey/brand-config';
import { initialJourneyState } from '../workflows/journey/state';

/**
 * When a journey may skip its round's config read (generation 7, workflows/journey/brand-config.ts):
 * only when every event of the round said the hash it holds, recently read, with no error to clear.
 * Pure logic, with the workflow clock (Date.now) set by the test.
 */
const HELD = '0123456789abcdef';
const OTHER = 'fedcba9876543210';
const START = Date.parse('2026-12-04T10:00:00Z');

function sourceHolding(config: Partial<BrandConfig> = {}, trusts = true): BrandConfigSource {
  const source = new BrandConfigSource(
    initialJourneyState('nordhem', 'c-1', new Date(START).toISOString()),
    true,
    trusts,
  );
  source.receive({ brand: 'nordhem', version: 'nordhem@1', hash: HELD, ...config });
  return source;
}

/** A round that began after these announcements. */
function roundAfter(source: BrandConfigSource, ...hashes: (string | undefined)[]): BrandConfigSource {
  for (const hash of hashes) source.announce(hash);
  source.nextRound();
  return source;
}

describe('the config a round may take as read', () => {
  let now = START;
  beforeEach(() => {
    now = START;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('is the held one when every event of the round said its hash', () => {
    expect(roundAfter(sourceHolding(), HELD).knownCurrent()).toBe(true);
    expect(roundAfter(sourceHolding(), HELD, HELD, HELD).knownCurrent()).toBe(true);
  });

  it('is not when any event said nothing or another hash, or no event came', () => {
    expect(roundAfter(sourceHolding(), HELD, undefined).knownCurrent()).toBe(false);
    expect(roundAfter(sourceHolding(), undefined, HELD).knownCurrent()).toBe(false);
    expect(roundAfter(sourceHolding(), HELD, OTHER, HELD).knownCurrent()).toBe(false);
    expect(roundAfter(sourceHolding(), OTHER).knownCurrent()).toBe(false);
    expect(roundAfter(sourceHolding()).knownCurrent()).toBe(false);
  });

  it('counts an event accepted during a round for the next round, not this one', () => {
    const source = roundAfter(sourceHolding());
    source.announce(HELD);
    expect(source.knownCurrent()).toBe(false);
    source.nextRound();
    expect(source.knownCurrent()).toBe(true);
    source.nextRound();
    expect(source.knownCurrent()).toBe(false);
  });

  it('is not once the held copy was read more than ten minutes ago', () => {
    const source = sourceHolding();
    now = START + CONFIG_TRUSTED_FOR_MS;
    expect(roundAfter(source, HELD).knownCurrent()).toBe(true);
    now = START + CONFIG_TRUSTED_FOR_MS + 1;
    expect(roundAfter(source, HELD).knownCurrent()).toBe(false);
  });

  it('is not while the held config carries an error to show, nor in runs before generation 7', () => {
    expect(roundAfter(sourceHolding({ configError: 'bad profile' }), HELD).knownCurrent()).toBe(false);
    expect(roundAfter(sourceHolding({}, false), HELD).knownCurrent()).toBe(false);
  });
});
