/** Stops the DynamoDB Local of the pass (tests/support/dynamodb-local/global-setup.ts). */
export default async function stopDynamoDbLocalPass(): Promise<void> {
  await globalThis.haloDynamoDbLocal?.close();
  globalThis.haloDynamoDbLocal = undefined;
}
