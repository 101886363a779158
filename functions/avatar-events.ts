import type { S3Event, S3EventRecord } from 'aws-lambda';
import { avatarObjectCreated } from '#lib/avatars/avatar-object-created';
import { keyFromS3Event } from '#lib/avatars/avatar-objects';
import { logger } from './common/logger';
import { avatarEventDeps } from './common/runtime/avatar-events';

/**
 * The bucket's ObjectCreated notifications (lib/avatars/avatar-object-created.ts). S3 delivers at least
 * once, so both steps are idempotent; a failure is thrown so that Lambda's retries finish the job.
 */
/**
 * Which write of the object the record is about: S3's sequencer orders the writes of one key (and its ETag
 * tells their content apart), so a retried event claims the same upload grant again and another write of
 * the same key cannot (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
 */
const landingOf = (record: S3EventRecord) => ({
  claim: `${record.s3.object.sequencer ?? ''}/${record.s3.object.eTag ?? ''}`,
  landedAt: new Date(record.eventTime),
});

export const handler = async (event: S3Event): Promise<void> => {
  const failures: unknown[] = [];
  for (const record of event.Records) {
    const key = keyFromS3Event(record.s3.object.key);
    if (!record.eventName.startsWith('ObjectCreated')) continue;
    try {
      const outcome = await avatarObjectCreated(avatarEventDeps, key, landingOf(record));
      if (outcome !== undefined) logger().info('avatar object handled', { key, outcome });
    } catch (error) {
      logger().error('avatar object failed', { key, error: error as Error });
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} avatar objects failed`);
};
