import { createAbuseCountersRepository } from '#lib/storage/abuse-counters-repository';
import type { LoginThrottle } from '#lib/throttling/login-throttle';
import type { RegistrationThrottle } from '#lib/throttling/registration-throttle';
import { config } from './config';
import { dynamodb } from './dynamodb';

const counters = createAbuseCountersRepository(dynamodb, config.tableName);
const clock = () => new Date();

/** The login back-off's counters and settings, for the two password paths (login, oauth-token). */
export const loginThrottle: LoginThrottle = { counters, limits: config.limits.login, clock };

export const registrationThrottle: RegistrationThrottle = { counters, limits: config.limits.registration, clock };
