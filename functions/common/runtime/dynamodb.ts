import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadTableConfig } from '#lib/config';

/** The table's settings (catalog access `table`), read once per cold start: a missing TABLE_NAME fails it here. */
const table = loadTableConfig();

export const tableName = table.tableName;

export const dynamodb = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: table.region, endpoint: table.dynamodbEndpoint }),
  { marshallOptions: { removeUndefinedValues: true } },
);
