import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connectTimeSkippingServer, startClockAt, testClock } from './helpers/temporal';

/**
 * KEPT_TEST_CLOCK moves a fresh time-skipping server to a chosen instant, so the date-sensitive
 * tests can be run on dates other than today; it only moves forward, and says so.
 */
describe('the test clock override (KEPT_TEST_CLOCK)', () => {
  const previous = process.env.KEPT_TEST_CLOCK;
  afterEach(() => {
    if (previous === undefined) delete process.env.KEPT_TEST_CLOCK;
    else process.env.KEPT_TEST_CLOCK = previous;
  });

  it('reads an ISO instant with a zone, and refuses anything else', () => {
    expect(testClock('2099-03-19T07:15:00+02:00')).toBe(Date.parse('2099-03-19T05:15:00Z'));
    expect(testClock('')).toBeUndefined();
    expect(testClock('  ')).toBeUndefined();
    expect(() => testClock('2099-03-19')).toThrow(/KEPT_TEST_CLOCK: expected an ISO instant/);
    expect(() => testClock('next tuesday')).toThrow(/KEPT_TEST_CLOCK/);
  });

  it('starts a time-skipping server at the instant given, and refuses one in its past', async () => {
    // Far enough ahead of any real today, so the test means the same on every run.
    const target = '2099-03-19T07:15:00.000Z';
    process.env.KEPT_TEST_CLOCK = target;
    let env: TestWorkflowEnvironment | undefined;
    try {
      env = await connectTimeSkippingServer();
      const now = await env.currentTimeMs();
      expect(now).toBeGreaterThanOrEqual(Date.parse(target));
      expect(now - Date.parse(target)).toBeLessThan(60_000);
      await expect(startClockAt(env, Date.parse('2099-03-18T07:15:00Z'))).rejects.toThrow(
        /KEPT_TEST_CLOCK=2099-03-18T07:15:00.000Z is before the time-skipping server's clock .*only moves forward/,
      );
    } finally {
      await env?.teardown();
    }
  });
});
