/**
 * Wraps every method of a fake so each call is written to a shared journal as `name.method arg…`
 * (string arguments only), before the call runs: the order of calls across several fakes can then be
 * asserted as a plain array. Everything else (state maps, helpers) is the same object as before.
 */
export function journaled<T extends object>(name: string, target: T, journal: string[]): T {
  const wrapped: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [key, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue;
    wrapped[key] = (...args: unknown[]) => {
      journal.push([`${name}.${key}`, ...args.filter((arg): arg is string => typeof arg === 'string')].join(' '));
      return (value as (...a: unknown[]) => unknown).apply(target, args);
    };
  }
  return wrapped as T;
}
