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
  // The stand-ins keep the members test files call (`describe.skip`, `it.each`…), all of them skipping too.
  const skipDescribe = Object.assign((name: string, body: () => void) => describe.skip(name, body), {
    skip: describe.skip,
    only: describe.skip,
    each: describe.skip.each,
  });
  const skipTest = Object.assign((name: string, body?: jest.ProvidesCallback, timeout?: number) => it.skip(name, body, timeout), {
    skip: it.skip,
    only: it.skip,
    each: it.skip.each,
    concurrent: it.skip,
    failing: it.skip,
    todo: it.todo,
  });
  Object.assign(globalThis, { describe: skipDescribe, fdescribe: skipDescribe, it: skipTest, fit: skipTest, test: skipTest });
} else {
  throw new Error('the DynamoDB Local pass runs only with its global setup (jest.config.js, project dynamodb-local)');
}
