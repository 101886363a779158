/* eslint-disable no-restricted-properties -- bench tooling sets up other processes' environments, as local/ and tests/ do */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The environment of this process, for child processes to inherit and extend. */
export const inheritedEnv = (): NodeJS.ProcessEnv => ({ ...process.env });

/** Sets variables in this process (the in-process embedded stack and the SDK read them). */
export function setEnv(values: Record<string, string>): void {
  Object.assign(process.env, values);
}

export const envFlag = (name: string): string | undefined => process.env[name];
