import { readFile, writeFile } from 'node:fs/promises';
import { withAttackTables } from '#tests/support/attack-table';

/** Rewrites the "Token attacks defended" tables of docs/design.md from the attack catalogue. */
const path = new URL('../../docs/design.md', import.meta.url);
await writeFile(path, withAttackTables(await readFile(path, 'utf8')));
