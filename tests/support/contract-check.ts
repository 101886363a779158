import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { recording } from './contract-recorder';

/**
 * Runs after every test file (jest `setupFilesAfterEnv`): whatever the file's end-to-end tests saw on the
 * wire (tests/support/http.ts `call`, tests/support/socket-client.ts) is validated against the two
 * specifications, and the file fails if anything was undocumented. An end-to-end file that recorded
 * nothing fails too, so the check cannot pass by not looking. What was seen is written to
 * HALO_CONTRACT_DIR for the suite-wide coverage check in tests/support/global-teardown.ts.
 */
const END_TO_END = /[\\/]tests[\\/]e2e[\\/][^\\/]+\.e2e\.test\.ts$/;

export interface ContractSummary {
  readonly file: string;
  readonly exchanges: number;
  readonly notHalos: number;
  readonly socketMessages: number;
  readonly keys: string[];
  readonly messages: string[];
}

afterAll(async () => {
  const testPath = expect.getState().testPath ?? '';
  const endToEnd = END_TO_END.test(testPath);
  const { exchanges, socketMessages } = recording();
  if (!endToEnd && exchanges.length === 0 && socketMessages.length === 0) return;

  const { Contract } = await import('./contract');
  const contract = new Contract();
  const problems: string[] = [];
  const keys = new Set<string>();
  const messages = new Set<string>();
  // Followed redirects end at S3, not at Halo; the redirect itself is checked where a test asks for it.
  const halos = exchanges.filter((exchange) => !exchange.redirected);
  for (const exchange of halos) {
    const verdict = contract.checkExchange(exchange);
    keys.add(verdict.key);
    problems.push(...verdict.problems);
  }
  for (const message of socketMessages) {
    const verdict = contract.checkSocketMessage(message);
    if (verdict.message) messages.add(verdict.message);
    problems.push(...verdict.problems);
  }

  const summary: ContractSummary = {
    file: basename(testPath),
    exchanges: halos.length,
    notHalos: exchanges.length - halos.length,
    socketMessages: socketMessages.length,
    keys: [...keys].sort(),
    messages: [...messages].sort(),
  };
  const folder = process.env.HALO_CONTRACT_DIR;
  if (folder) writeFileSync(join(folder, `${summary.file}.json`), JSON.stringify(summary));

  if (endToEnd && halos.length === 0) {
    throw new Error('The contract check saw no HTTP exchange in this end-to-end file: does tests/support/http.ts still record?');
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 25).map((problem) => `  - ${problem}`);
    if (problems.length > shown.length) shown.push(`  … and ${problems.length - shown.length} more`);
    throw new Error(
      `${problems.length} answer(s) seen in this file are not what docs/openapi.yaml or docs/asyncapi.yaml promise.\n` +
        `Fix the code, or document the answer in the specification:\n${shown.join('\n')}`,
    );
  }
});
