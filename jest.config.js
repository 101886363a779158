// Jest runs the TypeScript sources as native ES modules (the project is "type": "module"),
// transformed by SWC for speed; type checking is `npm run typecheck`, not Jest's job.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  // Integration and end-to-end suites start servers; two workers suit the 2-core machines we run on.
  maxWorkers: 2,
  testTimeout: 30_000,
  // The contract check: every answer the end-to-end tests see must be documented in docs/openapi.yaml or
  // docs/asyncapi.yaml (after each file), and together they must cover every documented operation (at the end).
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/tests/support/contract-check.ts'],
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
};
