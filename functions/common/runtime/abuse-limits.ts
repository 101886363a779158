import { createAbuseCountersRepository } from '#lib/storage/abuse-counters-repository';
import type { LoginThrottle } from '#lib/throttling/login-throttle';
import type { RegistrationThrottle } from '#lib/throttling/registration-throttle';
import type { UploadFormThrottle } from '#lib/throttling/upload-form-throttle';
import { loadLimitsConfig } from '#lib/config';
import { dynamodb, tableName } from './dynamodb';

const { limits } = loadLimitsConfig();
const counters = createAbuseCountersRepository(dynamodb, tableName);
const clock = () => new Date();

/** The login back-off's counters and settings, for the two password paths (login, oauth-token). */
export const loginThrottle: LoginThrottle = { counters, limits: limits.login, clock };

export const registrationThrottle: RegistrationThrottle = { counters, limits: limits.registration, clock };

/** The per-user limit on direct-upload forms (create-avatar-upload). */
export const uploadFormThrottle: UploadFormThrottle = { counters, limits: limits.uploadForms, clock };
