/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // ts-jest compiles the tests only; the Temporal SDK bundles workflow code itself (once, in globalSetup).
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['<rootDir>/test/setup-runtime.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // One dev server and one time-skipping server serve the whole run. The time-skipping
  // server's clock is global, so test files run one at a time.
  maxWorkers: 1,
  testTimeout: 60_000,
};
