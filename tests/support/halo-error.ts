import { HaloError, type ErrorCode } from '#lib/errors';

/** The HaloError a promise (or function) ends with; fails the test if it succeeds or throws anything else. */
export async function haloErrorOf(work: Promise<unknown> | (() => unknown)): Promise<HaloError> {
  let outcome: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    outcome = error;
  }
  if (!(outcome instanceof HaloError)) {
    throw new Error(`expected a HaloError, got ${outcome === undefined ? 'success' : String(outcome)}`);
  }
  return outcome;
}

export async function expectHaloError(work: Promise<unknown> | (() => unknown), code: ErrorCode, fields?: Record<string, string>) {
  const error = await haloErrorOf(work);
  expect(error.code).toBe(code);
  if (fields) expect(error.fields).toEqual(fields);
  return error;
}
