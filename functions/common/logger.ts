import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs. Its own module so that a handler needing nothing else (not-found) does not
 * load the whole runtime; the level comes from LOG_LEVEL, which Powertools reads itself.
 */
export const logger = new Logger({ serviceName: 'halo' });
