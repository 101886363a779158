import { tooManyRequests } from '../errors';
import type { AbuseCounters } from '../storage/abuse-counters-repository';
import type { UploadFormLimits } from './limits';

export interface UploadFormThrottle {
  readonly counters: AbuseCounters;
  readonly limits: UploadFormLimits;
  readonly clock: () => Date;
}

/** The counter scope; its items' partition keys start with `ABUSE#upload-form-user#` (IAM lets create-avatar-upload write only those). */
export const UPLOAD_FORM_COUNTER_SCOPE = 'upload-form-user';

/**
 * Counts the request in the user's window and refuses it past the limit, before any grant is written or any form
 * signed: each form can start one image-processing run, so asking for forms is what a flood would repeat. A user's
 * window opens at their first request (not on the clock's hour). Every request counts, whether or not the form is
 * ever used: the limit bounds what one account can make the service do, not what it did.
 */
export async function admitUploadForm(throttle: UploadFormThrottle, userId: string): Promise<void> {
  const now = throttle.clock();
  const window = await throttle.counters.addToWindow({ scope: UPLOAD_FORM_COUNTER_SCOPE, subject: userId }, now, throttle.limits.windowSeconds);
  if (window.attempts > throttle.limits.perUser) {
    throw tooManyRequests('requests', (seconds) => `too many upload forms for this account; retry in ${seconds} seconds`, window.endsAt - now.getTime());
  }
}
