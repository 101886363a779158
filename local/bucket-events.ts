import type { S3Event } from 'aws-lambda';
import { BUCKET_EVENT_SUBSCRIPTIONS } from '#infra/catalog';
import { keyFromS3Event } from '#lib/avatars/avatar-objects';
import { redact } from '#lib/logging/redact';
import type { Invoker } from './function-invoker';

/** Lambda retries a failed asynchronous invocation twice; locally the waits are shorter than AWS's minutes. */
const RETRY_DELAYS_MS = [1_000, 2_000];

/**
 * The bucket's notification configuration, from the catalog: each record goes to the functions
 * subscribed to its key's prefix, invoked asynchronously (as S3 invokes Lambda), with Lambda's retries.
 */
export function bucketEventDispatcher(invoke: Invoker) {
  return (event: S3Event): void => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated')) continue;
      const key = keyFromS3Event(record.s3.object.key);
      for (const { prefix, fn } of BUCKET_EVENT_SUBSCRIPTIONS) {
        if (!key.startsWith(prefix)) continue;
        void invokeWithRetries(() => invoke(fn, { Records: [record] }), fn.name);
      }
    }
  };
}

async function invokeWithRetries(run: () => Promise<unknown>, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await run();
      return;
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        console.error(`[s3-events] ${name} failed after ${attempt + 1} attempts:`, redact(error));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
