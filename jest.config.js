// Jest runs the TypeScript sources as native ES modules (the project is "type": "module"),
// transformed by SWC for speed; type checking is `npm run typecheck`, not Jest's job.
const typescript = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
};

// The contract check: every answer the end-to-end tests see must be documented in docs/openapi.yaml or
// docs/asyncapi.yaml (after each file), and together they must cover every documented operation (at the end).
const contractCheck = '<rootDir>/tests/support/contract-check.ts';

export default {
  // Integration and end-to-end suites start servers; two workers suit the 2-core machines we run on.
  maxWorkers: 2,
  testTimeout: 30_000,
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  projects: [
    {
      ...typescript,
      displayName: 'dynalite',
      // client/ (the TypeScript client library) has its tests beside it; they run against the embedded stack too.
      testMatch: ['<rootDir>/tests/**/*.test.ts', '<rootDir>/client/test/**/*.test.ts'],
      setupFilesAfterEnv: [contractCheck],
    },
    {
      // The suites that write to the table, again, on Amazon's DynamoDB Local (closer to AWS than dynalite):
      // one engine for the whole run (its global setup), a table of its own per test file and per embedded
      // stack. The browser tests (docs, avatar CORS, demo) hold no table behaviour, and the fuzz suites hold input validation, which runs
      // before any table is touched: once on dynalite is enough for them.
      ...typescript,
      displayName: 'dynamodb-local',
      testMatch: [
        '<rootDir>/tests/integration/*.test.ts',
        '<rootDir>/tests/faults/*.test.ts',
        '<rootDir>/tests/e2e/*.e2e.test.ts',
        '<rootDir>/tests/security/*.e2e.test.ts',
      ],
      testPathIgnorePatterns: ['/node_modules/', '/tests/e2e/(docs|avatar-cors|demo)\\.e2e\\.test\\.ts$', '/tests/integration/(local-s3|gateway-lambda-invoke)\\.test\\.ts$', '/tests/faults/orphan-scan\\.test\\.ts$'],
      globalSetup: '<rootDir>/tests/support/dynamodb-local/global-setup.ts',
      globalTeardown: '<rootDir>/tests/support/dynamodb-local/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/tests/support/dynamodb-local/use-engine.ts', contractCheck],
    },
  ],
};
