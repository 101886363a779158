import Ajv2019 from 'ajv/dist/2019';
import { projectFile } from './compose-file';

/**
 * The Compose Specification's JSON Schema (a vendored copy, see compose-spec/NOTICE.md), compiled once
 * for every compose file's tests.
 */
export const SCHEMA_FILE = 'tests/deploy/compose-spec/compose_spec.json';
export const SCHEMA_SHA256 = '0dc04bd346dcfee1b1419628fff79937bbf076925f298f272a2b490e2b112bac';

/** Go durations (`10s`, `1m30s`), as Compose writes intervals and timeouts. */
export const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
/** A port mapping: `[ip:][host:]container[/protocol]`, each port possibly a range. */
const PORTS = /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?((\d+(-\d+)?):)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/;

/** A Go duration in seconds (`1m30s` → 90). */
export function seconds(duration: string): number {
  const factor: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  return [...duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * (factor[unit ?? 's'] ?? 1), 0);
}

let compiled: ReturnType<Ajv2019['compile']> | undefined;
export function composeValidator() {
  if (compiled) return compiled;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', DURATION);
  // For strings (the files write every mapping as one); Ajv checks a format against one type only.
  ajv.addFormat('ports', { type: 'string', validate: (value: string) => PORTS.test(value) });
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/);
  // Two leftovers of older drafts that Ajv will not take and that validate nothing: the `$schema` URL of
  // draft 2019-09 in an old spelling (http, with `#`), and draft-04 style `id` annotations ("#/properties/…",
  // which 2019-09 ignores). Compiled as the 2019-09 draft it declares, without them.
  const { $schema: draft, ...schema } = JSON.parse(projectFile(SCHEMA_FILE)) as Record<string, unknown>;
  if (draft !== 'http://json-schema.org/draft/2019-09/schema#') throw new Error(`unexpected $schema ${String(draft)}`);
  compiled = ajv.compile(withoutIdAnnotations(schema) as object);
  return compiled;
}

/** The schema without its string-valued `id` keywords (a property named `id` would be an object, and is kept). */
function withoutIdAnnotations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIdAnnotations);
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
        .map(([key, value]) => [key, withoutIdAnnotations(value)]),
    );
  }
  return node;
}
