import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The fidelity table in docs/design.md ("Local emulation") is a claim about the code: each row names the files that
 * emulate an AWS behaviour and the tests that prove it. This keeps the claim from rotting silently: a renamed or
 * deleted file, a row that lost a cell, a row marked emulated without a test, or an AWS behaviour without its
 * source (or an honest "unverified") fails here.
 */
const ROOT = process.cwd();
const design = readFileSync(join(ROOT, 'docs/design.md'), 'utf8');

/** The "## Local emulation" section, up to the next second-level heading. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/design.md has no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The cells of a Markdown table row (no cell of this table holds a `|`). */
const cellsOf = (line: string) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim());

const localEmulation = section(design, 'Local emulation');
const tableLines = localEmulation.split('\n').filter((line) => line.startsWith('|'));
const [header, separator, ...body] = tableLines;
// A group row names a service in bold and leaves the other cells empty.
const isGroup = (cells: string[]) => /^\*\*.+\*\*/.test(cells[0] ?? '') && cells.slice(1).every((cell) => cell === '');
const rows: { group: string; cells: string[] }[] = [];
let group = '';
for (const line of body) {
  const cells = cellsOf(line);
  if (isGroup(cells)) group = cells[0] ?? '';
  else rows.push({ group, cells });
}

/** Repository paths in backticks: `local/http-api.ts`, `tests/faults/`, `infra/catalog.ts`. */
const REPO_PATH = /`((?:local|infra|lib|functions|tests|docs|deploy|bench)\/[\w./-]*)`/g;
const pathsIn = (text: string) => [...text.matchAll(REPO_PATH)].map((match) => match[1] ?? '');

describe('the fidelity table in docs/design.md (Local emulation)', () => {
  it('is one table with the five columns', () => {
    expect(cellsOf(header ?? '')).toEqual(['AWS behaviour', 'emulated?', 'how', 'test that proves it', 'what differs, and why']);
    expect(separator).toMatch(/^\|(---\|){5}$/);
    expect(rows.length).toBeGreaterThan(40);
  });

  it('has five cells in every row, and says yes, partly or no', () => {
    const malformed = rows.filter(({ cells }) => cells.length !== 5 || !['yes', 'partly', 'no'].includes(cells[1] ?? ''));
    expect(malformed.map(({ cells }) => cells[0])).toEqual([]);
  });

  it('groups the rows by service, API Gateway first', () => {
    expect([...new Set(rows.map((row) => row.group))]).toEqual([
      '**API Gateway HTTP API**',
      '**API Gateway WebSocket API and `@connections`**',
      '**Lambda**',
      '**S3**',
      '**DynamoDB** (dynalite; Amazon\'s DynamoDB Local; the index-lag proxy)',
      '**EventBridge**',
      '**IAM, Secrets Manager, KMS**',
      '**LocalStack (`docker compose up`)**',
    ]);
  });

  it('cites AWS for every AWS behaviour, or says that it is unverified', () => {
    const aws = rows.filter(({ group: name }) => !name.includes('LocalStack'));
    const unsourced = aws.filter(({ cells }) => !/\]\(https:\/\/(docs\.aws\.amazon\.com|repost\.aws)\//.test(cells[0] ?? '') && !(cells[0] ?? '').includes('unverified'));
    expect(unsourced.map(({ cells }) => cells[0])).toEqual([]);
  });

  it('names a test for every behaviour it marks as emulated', () => {
    const untested = rows.filter(({ cells }) => cells[1] === 'yes' && !pathsIn(cells[3] ?? '').some((path) => path.startsWith('tests/')));
    expect(untested.map(({ cells }) => cells[0])).toEqual([]);
  });

  it('names only files and folders that exist', () => {
    const named = [...new Set(pathsIn(localEmulation))];
    expect(named.length).toBeGreaterThan(50);
    expect(named.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });
});
