import { startAmazonDynamoDbLocal, type AmazonDynamoDbLocal } from '#local/amazon-dynamodb-local';
import { decide, ensureSkippedDir, JAVA, recordSkip } from '../optional-tools';

/** What the pass's test files read (tests/support/dynamodb-local/use-engine.ts). */
export const PASS_ENV = { endpoint: 'HALO_DYNAMODB_LOCAL_ENDPOINT', skipped: 'HALO_DYNAMODB_LOCAL_SKIPPED', failure: 'HALO_DYNAMODB_LOCAL_FAILURE' } as const;
export const PASS_NAME = 'the DynamoDB Local pass (tests/integration, tests/faults and the end-to-end suites again, on Amazon DynamoDB Local)';

declare global {
  var haloDynamoDbLocal: AmazonDynamoDbLocal | undefined;
}

/**
 * Once per Jest run that includes the `dynamodb-local` project (jest.config.js): Amazon's DynamoDB Local,
 * started once, in memory, for every worker; each test file makes tables of its own names on it. Without
 * Java the pass is skipped (and said so at the end), or fails under HALO_REQUIRE_ALL_TESTS=1.
 */
export default async function startDynamoDbLocalPass(): Promise<void> {
  const decision = decide(JAVA, PASS_NAME);
  if (decision.kind === 'skip') {
    ensureSkippedDir();
    recordSkip({ tool: JAVA.name, install: JAVA.install, missing: decision.missing, what: PASS_NAME, file: 'jest.config.js' });
    process.env[PASS_ENV.skipped] = '1';
    return;
  }
  if (decision.kind === 'fail') {
    process.env[PASS_ENV.failure] = decision.message;
    return;
  }
  globalThis.haloDynamoDbLocal = await startAmazonDynamoDbLocal();
  process.env[PASS_ENV.endpoint] = globalThis.haloDynamoDbLocal.endpoint;
}
