/**
 * Single-table design. Every access path below is a GetItem, a conditional write, or a Query on
 * the one GSI; nothing on a request path scans.
 *
 * | item             | pk                          | sk      | byUser (gsi1pk / gsi1sk)     |
 * |------------------|-----------------------------|---------|------------------------------|
 * | user             | USER#<userId>               | USER    | USER#<userId> / USER         |
 * | identifier claim | IDENT#<type>#<key>          | IDENT   | USER#<userId> / IDENT#…      |
 * | refresh token    | RT#<sha256(token)>          | RT      | USER#<userId> / RT#…         |
 * | token family     | RTF#<familyId>              | RTF     | USER#<userId> / RTF#…        |
 * | socket           | CONN#<connectionId>         | CONN    | USER#<userId> / CONN#…       |
 * | abuse counter    | ABUSE#<scope>#<sha256>      | COUNT   | —                            |
 * | upload grant     | UPLOAD#<uploadId>           | UPLOAD  | USER#<userId> / UPLOAD#…     |
 * | pending deletion | DELETING                    | <markedAt>#<userId> | —                  |
 *
 * Abuse counters (lib/storage/abuse-counters-repository.ts) belong to no user: they count login failures
 * per identifier and source, and sign-ups per source, keyed by a hash so no identifier or address is
 * stored in the clear. They carry `ttl` too, and their expiry is checked in code.
 *
 * Upload grants (lib/storage/upload-grants-repository.ts) record each direct-upload form Halo handed out;
 * the S3 event's function claims and then deletes one per processed upload. Unused ones expire (`ttl`).
 *
 * Pending deletions (lib/storage/pending-deletions-repository.ts) list the accounts whose deletion has started and
 * not finished, by the time it started, so the scheduled finisher (functions/finish-deletions.ts) reads the stalled
 * ones with one Query instead of a Scan. They are not in `byUser` on purpose: the deletion's own cleanup of the
 * user's items must not remove the record that says the cleanup is still owed.
 *
 * `byUser` lists everything a user owns, so deleting an account grows only with that user's items. Every read of
 * it is eventually consistent (a write reaches it within about a second, longer in rare failures:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes), so what must be exact is
 * not read through it: the user item also holds its sockets' slots (`sockets`: connection id → connectedAt), read
 * with strong consistency (lib/storage/connections-repository.ts).
 * `ttl` (epoch seconds) lets DynamoDB purge expired tokens, abandoned pending sign-ups and users whose deletion
 * stopped and was never retried (users-repository.ts, DELETING_USER_TTL_SECONDS); TTL
 * deletes lazily (and dynalite never does), so expiry is always also checked in code.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const BY_USER_INDEX = { name: 'byUser', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } as const;
export const TTL_ATTRIBUTE = 'ttl';

/** The partition keys of upload grants: create-avatar-upload may write no other items (infra/constructs/halo-functions.ts). */
export const UPLOAD_GRANT_KEY_PREFIX = 'UPLOAD#';

/** The partition keys of one scope's abuse counters (`ABUSE#<scope>#`): what a grant can hold a function's counter writes to. */
export const abuseCounterKeyPrefix = (scope: string) => `ABUSE#${scope}#`;

/**
 * The one partition of the pending-deletion records. One partition takes 1,000 writes and 3,000 reads a second
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html): each deletion
 * writes it twice (a record, then its removal), so it holds up to ~500 account deletions a second, far above what
 * a sign-up throttle of 10 a second can ever create. Past that, shard it (`DELETING#<n>`, n from the user id) and
 * have the finisher query every shard.
 */
export const PENDING_DELETIONS_PARTITION = 'DELETING';

export const keys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'USER' }),
  identifier: (type: string, key: string) => ({ pk: `IDENT#${type}#${key}`, sk: 'IDENT' }),
  refreshToken: (tokenHash: string) => ({ pk: `RT#${tokenHash}`, sk: 'RT' }),
  tokenFamily: (familyId: string) => ({ pk: `RTF#${familyId}`, sk: 'RTF' }),
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  abuseCounter: (scope: string, subjectHash: string) => ({ pk: `${abuseCounterKeyPrefix(scope)}${subjectHash}`, sk: 'COUNT' }),
  uploadGrant: (uploadId: string) => ({ pk: `${UPLOAD_GRANT_KEY_PREFIX}${uploadId}`, sk: 'UPLOAD' }),
  pendingDeletion: (markedAt: string, userId: string) => ({ pk: PENDING_DELETIONS_PARTITION, sk: `${markedAt}#${userId}` }),
  ownedBy: (userId: string, sk: string) => ({ gsi1pk: `USER#${userId}`, gsi1sk: sk }),
};

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** CreateTable input for the embedded stack and the integration tests; the CDK table mirrors it. */
export const createTableInput = (tableName: string) => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST' as const,
  AttributeDefinitions: [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey, BY_USER_INDEX.partitionKey, BY_USER_INDEX.sortKey].map(
    (name) => ({ AttributeName: name, AttributeType: 'S' as const }),
  ),
  KeySchema: [
    { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' as const },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: BY_USER_INDEX.name,
      KeySchema: [
        { AttributeName: BY_USER_INDEX.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: BY_USER_INDEX.sortKey, KeyType: 'RANGE' as const },
      ],
      // Keys only: deleting a user needs just the keys, and hashes are not copied into the index.
      Projection: { ProjectionType: 'KEYS_ONLY' as const },
    },
  ],
});
