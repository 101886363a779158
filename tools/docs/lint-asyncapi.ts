import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';

/**
 * Lints docs/asyncapi.yaml with the AsyncAPI Initiative's own parser: the AsyncAPI 3 JSON Schema plus its
 * Spectral ruleset (the same checks as `asyncapi validate`). Errors and warnings both fail: a warning left
 * in place today hides the next one.
 */
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const file = resolve(projectRoot, process.argv[2] ?? 'docs/asyncapi.yaml');
const diagnostics = await new Parser().validate(await readFile(file, 'utf8'), { source: file });
const problems = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning);
for (const d of diagnostics) {
  const where = `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
  console.log(`${where} ${(DiagnosticSeverity[d.severity] ?? 'note').toLowerCase()} ${d.code}: ${d.message} (at ${d.path.join('.') || '/'})`);
}
if (problems.length > 0) {
  console.error(`asyncapi lint: ${problems.length} problem(s) in ${file}`);
  process.exit(1);
}
console.log(`asyncapi lint: ${file} is valid AsyncAPI ${diagnostics.length ? `(${diagnostics.length} hints)` : 'with no findings'}`);
