/** Both projects compile TypeScript the same way; type errors are the typecheck's job, not the test run's. */
const typescript = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] };

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests share one dev server; two workers is what a 2-core machine carries without flaking.
  maxWorkers: 2,
  testTimeout: 120_000,
  projects: [
    {
      // Pure modules: no Temporal server, no workflow bundle, no system packages. `npm run test:unit` runs only these.
      displayName: 'unit',
      preset: 'ts-jest',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform: typescript,
    },
    {
      // Real parts: one Temporal dev server and one workflow bundle for the whole run (global setup), PostgreSQL,
      // bubblewrap and Chromium provisioned before the first test.
      displayName: 'integration',
      preset: 'ts-jest',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      setupFiles: ['<rootDir>/test/setup-runtime.ts'],
      transform: typescript,
    },
  ],
};
