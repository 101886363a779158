import { loadConfig } from '#lib/config';

/** Read once per process (cold start); a missing setting throws here, before any request is served. */
export const config = loadConfig();
