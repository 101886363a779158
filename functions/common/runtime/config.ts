import { loadIssuerConfig } from '#lib/config';

/** The service's public base URL, for the functions that publish it (oauth-metadata); read once per cold start. */
export const config = loadIssuerConfig();
