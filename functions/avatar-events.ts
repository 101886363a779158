import type { S3Event, S3EventRecord } from 'aws-lambda';
import { announceAvatar } from '#lib/avatars/announce-avatar';
import { keyFromS3Event, parseObjectKey } from '#lib/avatars/avatar-objects';
import { processUpload } from '#lib/avatars/process-upload';
import { logger } from './common/logger';
import { avatarEventDeps } from './common/runtime/avatar-events';

/**
 * The bucket's ObjectCreated notifications: a browser's direct upload (uploads/) is judged and turned
 * into an avatar; a new avatar (avatars/) is announced to the user's sockets. S3 delivers at least
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
    const target = parseObjectKey(key);
    if (!target || !record.eventName.startsWith('ObjectCreated')) continue;
    try {
      const outcome =
        target.kind === 'upload'
          ? await processUpload(avatarEventDeps, target.userId, target.id, landingOf(record))
          : await announceAvatar(avatarEventDeps, target.userId, target.id);
      logger().info('avatar object handled', { key, outcome });
    } catch (error) {
      logger().error('avatar object failed', { key, error: error as Error });
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} avatar objects failed`);
};
