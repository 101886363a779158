import { PASS_ENV } from './global-setup';

/**
 * Before every test file of the `dynamodb-local` project (jest.config.js): its tables and its embedded stacks
 * go to the pass's DynamoDB Local (tests/support/test-table.ts and embedded-stack-process.ts read
 * TEST_DYNAMODB_ENDPOINT). Each test file has its own copy of process.env, so nothing leaks to the dynalite files.
 */
const endpoint = process.env[PASS_ENV.endpoint];
const failure = process.env[PASS_ENV.failure];

if (endpoint) {
  process.env.TEST_DYNAMODB_ENDPOINT = endpoint;
} else if (failure) {
  beforeAll(() => {
    throw new Error(failure);
  });
} else if (process.env[PASS_ENV.skipped] === '1') {
  // Java is missing: every test of the file is Jest's skip (counted as skipped); the global setup recorded why.
  Object.assign(globalThis, { describe: describe.skip, fdescribe: describe.skip, it: it.skip, fit: it.skip, test: test.skip });
} else {
  throw new Error('the DynamoDB Local pass runs only with its global setup (jest.config.js, project dynamodb-local)');
}
