import { SECURITY_HEADERS } from '#functions/common/security-headers';
import type { Reply } from '#tests/support/http';

/** An HTTP answer as the properties see it: status, lower-cased headers, the body as text. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const answerOf = (reply: Reply): Answer => ({ status: reply.status, headers: Object.fromEntries(reply.headers.entries()), body: reply.text });

/**
 * What a route's answers look like: JSend on Halo's own routes, RFC 6749 §5.1/§5.2 on the token endpoint,
 * RFC 7009 on revocation, a JSON document on the discovery routes, files on /docs, a redirect for avatars.
 */
export type AnswerShape = 'jsend' | 'oauth-token' | 'oauth-revoke' | 'json-document' | 'docs' | 'avatar-redirect';

/** Which documented shape an answer to this request must have (404/405/413 are JSend everywhere). */
export function shapeOf(method: string, pathname: string): AnswerShape {
  if (method === 'POST' && pathname === '/oauth/token') return 'oauth-token';
  if (method === 'POST' && pathname === '/oauth/revoke') return 'oauth-revoke';
  if (method === 'GET' && /^\/\.well-known\/(oauth-authorization-server|jwks\.json)$/.test(pathname)) return 'json-document';
  if (method === 'GET' && /^\/docs(\/[^/]+)?$/.test(pathname)) return 'docs';
  if (method === 'GET' && /^\/avatars\/[^/]+\/[^/]+$/.test(pathname)) return 'avatar-redirect';
  return 'jsend';
}

/**
 * Signs of internals in a body: stack frames, source paths, JavaScript error names, AWS SDK exceptions,
 * Halo's error class and configuration names. None may reach a client, whatever it sent.
 */
const LEAKS: readonly [string, RegExp][] = [
  ['a stack frame', /\bat [^\s"]+ \(|\n\s+at \S/],
  ['a source location', /\.(ts|js|mjs|cjs):\d+/],
  ['a source folder', /\/(functions|lib|local|infra)\/[\w-]+\.|node_modules/],
  ['a JavaScript error name', /\b(Type|Reference|Syntax|Range|URI|Eval|Internal|Aggregate)Error\b/],
  ['an AWS exception', /\b[A-Z]\w*Exception\b|NoSuchKey|NoSuchBucket|dynalite|s3rver|\$metadata/],
  ['an internal error class', /HaloError|ZodError|\$ZodError/],
  ['a configuration name', /\b(TABLE_NAME|AVATAR_BUCKET|SIGNING_KEY\w*|AWS_\w+)\b/],
];

const RFC6749_ERRORS = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'slow_down'];
// RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
const DESCRIPTION_CHARACTERS = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

function fail(answer: Answer, problem: string): never {
  throw new Error(`${problem}\n  status ${answer.status}\n  headers ${JSON.stringify(answer.headers)}\n  body ${answer.body.slice(0, 500)}`);
}

function parsedJson(answer: Answer): unknown {
  if (!/^application\/([\w.+-]+\+)?json\b/.test(answer.headers['content-type'] ?? '')) fail(answer, 'the body is not declared as JSON');
  try {
    return JSON.parse(answer.body);
  } catch {
    return fail(answer, 'the body is not valid JSON');
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSend: `success` with data on 2xx, `fail` with an object naming each problem on 4xx, `error` with a message on 5xx. */
export function expectJsend(answer: Answer): void {
  const body = parsedJson(answer);
  if (!isPlainObject(body)) return fail(answer, 'a JSend body must be an object');
  const keys = Object.keys(body).sort().join(',');
  if (body.status === 'success') {
    if (answer.status >= 400) fail(answer, 'JSend success on an error status');
    if (keys !== 'data,status') fail(answer, `JSend success must have exactly status and data, not ${keys}`);
  } else if (body.status === 'fail') {
    if (answer.status < 400 || answer.status >= 500) fail(answer, 'JSend fail must come with a 4xx');
    if (keys !== 'data,status') fail(answer, `JSend fail must have exactly status and data, not ${keys}`);
    const { data } = body;
    if (!isPlainObject(data) || Object.keys(data).length === 0) fail(answer, 'JSend fail data must be an object naming the problem');
    for (const [field, problem] of Object.entries(data)) {
      if (typeof problem !== 'string' || problem.trim() === '') fail(answer, `JSend fail data.${field} must say what is wrong, in words`);
    }
  } else if (body.status === 'error') {
    if (answer.status < 500) fail(answer, 'JSend error must come with a 5xx');
    if (typeof body.message !== 'string') fail(answer, 'JSend error needs a message');
  } else {
    fail(answer, 'not JSend: status must be success, fail or error');
  }
}

/** RFC 6749 §5.2 (and the 429 of throttling, same shape): `{error, error_description?}`, nothing else. */
function expectOAuthError(answer: Answer): void {
  const body = parsedJson(answer);
  if (!isPlainObject(body)) return fail(answer, 'an OAuth error must be an object');
  if (answer.status !== 400 && answer.status !== 401 && answer.status !== 429) fail(answer, 'RFC 6749 §5.2 errors are 400 (or 401 for client authentication)');
  if (typeof body.error !== 'string' || !RFC6749_ERRORS.includes(body.error)) fail(answer, `"${String(body.error)}" is not an RFC 6749 error code`);
  if (body.error_description !== undefined && (typeof body.error_description !== 'string' || !DESCRIPTION_CHARACTERS.test(body.error_description))) {
    fail(answer, 'error_description must be text of the characters RFC 6749 §5.2 allows');
  }
  const extra = Object.keys(body).filter((key) => !['error', 'error_description', 'error_uri'].includes(key));
  if (extra.length > 0) fail(answer, `an OAuth error has no field ${extra.join(', ')}`);
}

/** Answers in JSend on any route: 404 and 405 from the `$default` route, 413 of a route's own body limit, 431 for oversized headers. */
const GATEWAY_STATUSES = new Set([404, 405, 413, 431]);

/**
 * API Gateway's own answers (local/gateway-answers.ts): `{"message":"Request Entity Too Large"}` for a body over
 * 10 MB or an event over Lambda's limit, on any route.
 */
const GATEWAY_MESSAGES: Readonly<Record<number, string>> = { 413: 'Request Entity Too Large' };

export function isGatewayAnswer(answer: Answer): boolean {
  const message = GATEWAY_MESSAGES[answer.status];
  return message !== undefined && answer.body === JSON.stringify({ message }) && /^application\/json\b/.test(answer.headers['content-type'] ?? '');
}

function expectShape(answer: Answer, shape: AnswerShape): void {
  if (isGatewayAnswer(answer)) return;
  if (GATEWAY_STATUSES.has(answer.status) && shape !== 'jsend') return expectJsend(answer);
  switch (shape) {
    case 'jsend':
      return expectJsend(answer);
    case 'oauth-token': {
      if (answer.status !== 200) return expectOAuthError(answer);
      const body = parsedJson(answer);
      if (!isPlainObject(body) || typeof body.access_token !== 'string' || body.token_type !== 'Bearer' || typeof body.expires_in !== 'number') {
        fail(answer, 'an RFC 6749 §5.1 token response needs access_token, token_type Bearer and expires_in');
      }
      return;
    }
    case 'oauth-revoke':
      if (answer.status === 200) {
        if (answer.body !== '') fail(answer, 'RFC 7009 §2.2: a revocation answers 200 with no body');
        return;
      }
      return expectOAuthError(answer);
    case 'json-document': {
      if (answer.status !== 200) return expectJsend(answer);
      if (!isPlainObject(parsedJson(answer))) fail(answer, 'a discovery document is a JSON object');
      return;
    }
    case 'docs':
      if (answer.status !== 200) return expectJsend(answer);
      if (answer.body === '' || !answer.headers['content-type']) fail(answer, 'a documentation file has a body and a type');
      return;
    case 'avatar-redirect':
      if (answer.status !== 302) return expectJsend(answer);
      if (!/^https?:\/\//.test(answer.headers.location ?? '')) fail(answer, 'the avatar redirect needs an absolute Location');
      return;
  }
}

/** The shared header set; on /docs the pages bring a policy of their own, which must still forbid framing. */
export function expectSecurityHeaders(answer: Answer): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (name === 'content-security-policy') continue;
    if (answer.headers[name] !== value) fail(answer, `the security header ${name}: ${value} is missing`);
  }
  if (!/^max-age=\d{7,}/.test(answer.headers['strict-transport-security'] ?? '')) fail(answer, 'Strict-Transport-Security must last months');
  if (answer.headers['x-content-type-options'] !== 'nosniff') fail(answer, 'X-Content-Type-Options must be nosniff');
  if (!answer.headers['content-security-policy']?.includes("frame-ancestors 'none'")) fail(answer, "the Content-Security-Policy must say frame-ancestors 'none'");
}

/** Names of Halo's AWS resources and services: fine in a presigned upload's fields, never in a refusal. */
const RESOURCE_NAMES = /DynamoDB|AmazonS3|halo-avatars|\bLambda\b/;

export function expectNoLeaks(answer: Answer): void {
  for (const [what, pattern] of LEAKS) {
    const found = pattern.exec(answer.body);
    if (found) fail(answer, `the body shows ${what}: "${found[0]}"`);
  }
  const named = answer.status >= 400 ? RESOURCE_NAMES.exec(answer.body) : null;
  if (named) fail(answer, `an error names an internal resource: "${named[0]}"`);
}

/**
 * The properties every answer must have, whatever was sent: no 5xx, the route's documented shape,
 * the security headers, and nothing internal in the body. Documentation files are Halo's own words
 * (they name DynamoDB and Lambda on purpose), so only their error answers are searched for leaks.
 */
export function expectSafeAnswer(answer: Answer, shape: AnswerShape): void {
  if (answer.status >= 500) fail(answer, 'a 5xx for input the client chose');
  expectShape(answer, shape);
  expectSecurityHeaders(answer);
  if (!(shape === 'docs' && answer.status === 200)) expectNoLeaks(answer);
}
