import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findSecretShapes } from './secret-scan';

/**
 * The suite-wide log check, once every test file has run: no output of any embedded stack the run
 * started (tests/support/embedded-stack-process.ts keeps each one in HALO_STACK_OUTPUT_DIR) may hold a
 * JWT, a refresh-token-shaped string or an X-Amz-Signature value, whatever the tests did to it.
 * Says how much it read and what it found, one line per finding; removes the folder.
 */
export interface StackOutputCheck {
  readonly stacks: number;
  readonly bytes: number;
  readonly problems: string[];
}

export function checkStackOutputs(folder = process.env.HALO_STACK_OUTPUT_DIR): StackOutputCheck {
  if (!folder) return { stacks: 0, bytes: 0, problems: [] };
  const files = readdirSync(folder).filter((name) => name.endsWith('.log'));
  const problems: string[] = [];
  let bytes = 0;
  for (const name of files) {
    const output = readFileSync(join(folder, name), 'utf8');
    bytes += output.length;
    for (const finding of findSecretShapes(output)) problems.push(`${finding.kind} in the output of a stack, ${finding.excerpt}`);
  }
  rmSync(folder, { recursive: true, force: true });
  return { stacks: files.length, bytes, problems };
}
