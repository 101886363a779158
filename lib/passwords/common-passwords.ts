/**
 * The ~49,000 most common passwords, from zxcvbn-ts's maintained dictionary (the list that password
 * strength meters use). Loaded on first use, not at cold start: only registration needs it.
 */
let commonPasswords: Promise<ReadonlySet<string>> | undefined;

async function load(): Promise<ReadonlySet<string>> {
  const { dictionary } = await import('@zxcvbn-ts/language-common');
  return new Set(dictionary['passwords-common'] as string[]);
}

/** `password` must already be lower-cased: the list is, and "PassWord1" is no better than "password1". */
export async function isCommonPassword(password: string): Promise<boolean> {
  commonPasswords ??= load();
  return (await commonPasswords).has(password);
}
