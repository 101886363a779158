import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { RecordedExchange, RecordedSocketMessage } from './contract-recorder';

/**
 * The contract check: an HTTP exchange or a socket message seen in an end-to-end test must be one that
 * docs/openapi.yaml or docs/asyncapi.yaml promises. For HTTP that is the operation (path template and
 * method; unmatched requests against the gateway's documented 404/405 and CORS preflight answers), a status
 * documented for it, every documented required header present and valid, a documented media type, and a
 * body valid against the documented schema (JSON Schema 2020-12, where the response schemas forbid
 * undocumented fields). For the socket: every message matches a message Halo is documented to send.
 */

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OPENAPI_FILE = resolve(PROJECT_ROOT, 'docs/openapi.yaml');
export const ASYNCAPI_FILE = resolve(PROJECT_ROOT, 'docs/asyncapi.yaml');

/**
 * Documented answers the end-to-end suite cannot provoke without breaking Halo on purpose; each is exempt
 * from the coverage check only (when they do occur, they are still validated).
 */
export const COVERAGE_EXEMPT_MESSAGES: Record<string, string> = {
  gatewayError: 'written by the gateway only when the message function crashes',
  reconnect: 'sent only to sockets whose connection records predate the session on records (tests/unit/sockets)',
};

type Json = Record<string, unknown>;
type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options' | 'head';

interface Operation {
  readonly id: string;
  readonly method: HttpMethod;
  readonly template: string;
  readonly pointer: string;
  readonly responses: Json;
}

export interface HttpVerdict {
  /** `operationId status`, or `(no route) 404` and the like for answers that belong to no operation. */
  readonly key: string;
  readonly problems: string[];
}

export interface SocketVerdict {
  readonly message?: string;
  readonly problems: string[];
}

// ajv-formats is CommonJS with a default export; under Node's ESM interop it may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

/** A JSON pointer, as a URI fragment (RFC 6901 §6), one level further down. */
const child = (pointer: string, ...segments: string[]) =>
  [pointer, ...segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1')))].join('/');

function at(document: Json, pointer: string): unknown {
  return pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
}

/** Follows `$ref`s between documentation objects (responses, headers), keeping the pointer of the target. */
function follow(document: Json, pointer: string): { node: Json; pointer: string } {
  let current = pointer;
  for (let hops = 0; hops < 10; hops++) {
    const node = at(document, current) as Json | undefined;
    if (!node) throw new Error(`the specification has nothing at ${current}`);
    if (typeof node.$ref !== 'string') return { node, pointer: current };
    current = node.$ref;
  }
  throw new Error(`$ref loop at ${pointer}`);
}

export class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly openapi: Json;
  private readonly asyncapi: Json;
  readonly operations: Operation[];
  /** Messages Halo sends: the `send` operations' messages and the replies of its `receive` operations. */
  readonly sentMessages: { name: string; pointer: string }[];

  constructor(openapiText = readFileSync(OPENAPI_FILE, 'utf8'), asyncapiText = readFileSync(ASYNCAPI_FILE, 'utf8')) {
    addFormats(this.ajv);
    this.openapi = parseYaml(openapiText) as Json;
    this.asyncapi = parseYaml(asyncapiText) as Json;
    // Whole documents, so that every `#/components/...` reference inside a schema resolves.
    this.ajv.addSchema(this.openapi, 'openapi');
    this.ajv.addSchema(this.asyncapi, 'asyncapi');

    this.operations = Object.entries(this.openapi.paths as Record<string, Json>).flatMap(([template, item]) =>
      (['get', 'post', 'put', 'patch', 'delete', 'options', 'head'] as const)
        .filter((method) => item[method])
        .map((method) => {
          const operation = item[method] as Json;
          return {
            id: String(operation.operationId),
            method,
            template,
            pointer: child('#', 'paths', template, method),
            responses: operation.responses as Json,
          };
        }),
    );

    const operations = Object.values(this.asyncapi.operations as Record<string, Json>);
    const refsOf = (list: unknown) => ((list as { $ref: string }[] | undefined) ?? []).map((m) => m.$ref);
    const sent = [
      ...operations.filter((o) => o.action === 'send').flatMap((o) => refsOf(o.messages)),
      ...operations.filter((o) => o.action === 'receive').flatMap((o) => refsOf((o.reply as Json | undefined)?.messages)),
    ];
    this.sentMessages = [...new Set(sent)].map((ref) => {
      const { pointer } = follow(this.asyncapi, ref);
      return { name: pointer.split('/').pop() ?? pointer, pointer };
    });
  }

  private validator(document: 'openapi' | 'asyncapi', pointer: string): ValidateFunction {
    const key = `${document}${pointer}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: key });
      this.validators.set(key, validate);
    }
    return validate;
  }

  private schemaProblems(document: 'openapi' | 'asyncapi', pointer: string, value: unknown): string[] {
    const validate = this.validator(document, pointer);
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => {
      const extra = 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : 'unevaluatedProperty' in e.params ? ` (${String(e.params.unevaluatedProperty)})` : '';
      return `${e.instancePath || '/'} ${e.message}${extra}`;
    });
  }

  findOperation(method: string, path: string): Operation | 'wrong method' | undefined {
    const candidates = this.operations.filter((op) => new RegExp(`^${op.template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+')}$`).test(path));
    return candidates.find((op) => op.method === method.toLowerCase()) ?? (candidates.length > 0 ? 'wrong method' : undefined);
  }

  checkExchange(exchange: RecordedExchange): HttpVerdict {
    const { pathname } = new URL(exchange.url);
    const label = `${exchange.method} ${pathname} → ${exchange.status}`;
    const isPreflight = exchange.method === 'OPTIONS' && 'access-control-request-method' in exchange.requestHeaders;
    const found = isPreflight ? 'preflight' : this.findOperation(exchange.method, pathname);

    let key: string;
    let responsePointer: string;
    const problems: string[] = [];
    if (found === 'preflight') {
      key = `(CORS preflight) ${exchange.status}`;
      if (exchange.status !== 204) problems.push(`${label}: a CORS preflight is documented to answer 204`);
      responsePointer = '#/components/responses/CorsPreflight';
    } else if (found === 'wrong method') {
      key = `(wrong method) ${exchange.status}`;
      if (exchange.status !== 405) problems.push(`${label}: a path served under other methods is documented to answer 405`);
      responsePointer = '#/components/responses/MethodNotAllowed';
    } else if (!found) {
      key = `(no route) ${exchange.status}`;
      if (exchange.status !== 404 && exchange.status !== 413) problems.push(`${label}: a path Halo does not serve is documented to answer 404`);
      responsePointer = exchange.status === 413 ? '#/components/responses/JsonBodyTooLarge' : '#/components/responses/NoRoute';
    } else {
      key = `${found.id} ${exchange.status}`;
      const status = String(exchange.status);
      const documented = [status, `${status[0]}XX`, 'default'].find((code) => code in found.responses);
      if (!documented) {
        return { key, problems: [`${label}: status ${status} is not documented for ${found.id} (documented: ${Object.keys(found.responses).join(', ')})`] };
      }
      responsePointer = child(found.pointer, 'responses', documented);
    }
    if (problems.length > 0) return { key, problems };

    const response = follow(this.openapi, responsePointer);
    for (const name of Object.keys((response.node.headers as Json | undefined) ?? {})) {
      const { node, pointer } = follow(this.openapi, child(response.pointer, 'headers', name));
      const value = exchange.headers[name.toLowerCase()];
      if (value === undefined) {
        if (node.required) problems.push(`${label}: the documented header ${name} is missing`);
        continue;
      }
      if (node.schema) {
        for (const problem of this.schemaProblems('openapi', `${pointer}/schema`, value)) problems.push(`${label}: header ${name}: ${problem}`);
      }
    }

    // RFC 9110 §9.3.2: the answer to a HEAD is the GET's head without its body, so there is no body to check.
    if (exchange.method === 'HEAD') return { key, problems };
    const content = response.node.content as Record<string, Json> | undefined;
    const mediaType = (exchange.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!content) {
      if (exchange.body !== '') problems.push(`${label}: documented without a body, but one came (${mediaType || 'no content-type'})`);
      return { key, problems };
    }
    const documentedType = Object.keys(content).find((type) => type.toLowerCase() === mediaType);
    if (!documentedType) {
      problems.push(`${label}: content-type "${mediaType}" is not documented (documented: ${Object.keys(content).join(', ')})`);
      return { key, problems };
    }
    let body: unknown = exchange.body;
    if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
      try {
        body = JSON.parse(exchange.body);
      } catch {
        problems.push(`${label}: the body is not JSON: ${exchange.body.slice(0, 120)}`);
        return { key, problems };
      }
    }
    const schemaPointer = child(response.pointer, 'content', documentedType, 'schema');
    if (at(this.openapi, schemaPointer) === undefined) problems.push(`${label}: no schema documented for ${documentedType}`);
    else for (const problem of this.schemaProblems('openapi', schemaPointer, body)) problems.push(`${label}: body ${problem}; got ${exchange.body.slice(0, 300)}`);
    return { key, problems };
  }

  checkSocketMessage(message: RecordedSocketMessage): SocketVerdict {
    let payload: unknown;
    try {
      payload = JSON.parse(message.data);
    } catch {
      return { problems: [`socket message is not JSON: ${message.data.slice(0, 120)}`] };
    }
    const matches = this.sentMessages.filter(({ pointer }) => this.schemaProblems('asyncapi', `${pointer}/payload`, payload).length === 0);
    if (matches.length === 1) return { message: matches[0]?.name, problems: [] };
    if (matches.length > 1) return { problems: [`socket message matches several documented messages (${matches.map((m) => m.name).join(', ')}): ${message.data}`] };
    return {
      problems: [`socket message matches no message Halo is documented to send (${this.sentMessages.map((m) => m.name).join(', ')}): ${message.data.slice(0, 300)}`],
    };
  }
}
