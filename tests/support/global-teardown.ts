import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Contract, COVERAGE_EXEMPT_MESSAGES } from './contract';
import type { ContractSummary } from './contract-check';
import { skipSummary, SKIPPED_DIR } from './optional-tools';
import { checkStackOutputs } from './stack-output-check';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Both suite-wide checks run, whichever fails: the log check of every stack's output, and the contract's
 * coverage. Whatever happens, the run ends saying which tests were skipped for a missing program.
 */
export default function globalTeardown(): void {
  try {
    checkWholeSuite();
  } finally {
    reportSkips();
  }
}

function reportSkips(): void {
  const folder = process.env[SKIPPED_DIR];
  if (!folder) return;
  const lines = skipSummary(folder);
  rmSync(folder, { recursive: true, force: true });
  // Printed last, after Jest's own summary, so a skipped part of the suite is the last thing anyone reads.
  if (lines.length > 0) console.log(`\n${lines.join('\n')}`);
}

function checkWholeSuite(): void {
  const logs = checkStackOutputs();
  const logProblems = logs.problems;
  let coverageFailure: Error | undefined;
  try {
    checkContractCoverage();
  } catch (error) {
    coverageFailure = error as Error;
  }
  if (logProblems.length > 0) {
    const shown = logProblems.slice(0, 25).map((problem) => `  - ${problem}`);
    if (logProblems.length > shown.length) shown.push(`  … and ${logProblems.length - shown.length} more`);
    const also = coverageFailure ? `\n\n${coverageFailure.message}` : '';
    throw new Error(`Secrets reached the output of the embedded stacks (see lib/logging/redact.ts):\n${shown.join('\n')}${also}`);
  }
  if (logs.stacks > 0) {
    console.log(`logs: the output of ${logs.stacks} embedded stack(s) (${Math.round(logs.bytes / 1024)} KB) holds no JWT, refresh token or X-Amz-Signature`);
  }
  if (coverageFailure) throw coverageFailure;
}

/**
 * The suite-wide half of the contract check, once every end-to-end file has run: enough was seen for the
 * check to mean something, every documented operation was exercised, and every message Halo sends on the
 * socket was received. A partial run (one file, a pattern) only says what it did not check.
 */
const MIN_EXCHANGES = 100;
const MIN_SOCKET_MESSAGES = 10;

function checkContractCoverage(): void {
  const folder = process.env.HALO_CONTRACT_DIR;
  if (!folder) return;
  const summaries = readdirSync(folder).map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')) as ContractSummary);
  rmSync(folder, { recursive: true, force: true });
  const endToEndFiles = readdirSync(join(PROJECT_ROOT, 'tests/e2e')).filter((name) => name.endsWith('.e2e.test.ts'));
  const ran = new Set(summaries.map((summary) => summary.file));
  if (ran.size === 0) return;
  if (!endToEndFiles.every((file) => ran.has(file))) {
    console.log(`contract: coverage not checked, ${endToEndFiles.filter((f) => ran.has(f)).length} of ${endToEndFiles.length} end-to-end files ran`);
    return;
  }

  const contract = new Contract();
  const keys = new Set(summaries.flatMap((summary) => summary.keys));
  const messages = new Set(summaries.flatMap((summary) => summary.messages));
  const exchanges = summaries.reduce((sum, summary) => sum + summary.exchanges, 0);
  const socketMessages = summaries.reduce((sum, summary) => sum + summary.socketMessages, 0);
  const operationsSeen = new Set([...keys].map((key) => key.slice(0, key.lastIndexOf(' '))));

  const problems: string[] = [];
  if (exchanges < MIN_EXCHANGES) problems.push(`only ${exchanges} HTTP exchanges were checked (at least ${MIN_EXCHANGES} expected): is call() still recording?`);
  if (socketMessages < MIN_SOCKET_MESSAGES) problems.push(`only ${socketMessages} socket messages were checked (at least ${MIN_SOCKET_MESSAGES} expected)`);
  for (const operation of contract.operations) {
    if (!operationsSeen.has(operation.id)) problems.push(`no end-to-end test calls ${operation.method.toUpperCase()} ${operation.template} (${operation.id})`);
  }
  for (const { name } of contract.sentMessages) {
    if (!messages.has(name) && !(name in COVERAGE_EXEMPT_MESSAGES)) problems.push(`no end-to-end test receives the socket message ${name}`);
  }
  if (problems.length > 0) {
    throw new Error(`The contract check's coverage is short:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  console.log(
    `contract: ${exchanges} HTTP exchanges (${operationsSeen.size - [...operationsSeen].filter((o) => o.startsWith('(')).length}/${contract.operations.length} operations, ` +
      `${keys.size} distinct answers) and ${socketMessages} socket messages (${messages.size}/${contract.sentMessages.length} kinds) matched docs/openapi.yaml and docs/asyncapi.yaml`,
  );
}
