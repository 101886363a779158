import { z } from 'zod';
import { MAX_BODY_BYTES, formBody, jsonBody, validate } from '#functions/common/request-body';
import { clientIdSchema, credentialsSchema, refreshSchema } from '#functions/common/request-schemas';
import { expectHaloError } from '#tests/support/halo-error';
import { httpEvent } from '#tests/support/http-event';

const json = (body: string | undefined, contentType = 'application/json', isBase64Encoded = false) =>
  httpEvent({ headers: { 'content-type': contentType }, body, isBase64Encoded });
const form = (body: string | undefined, contentType = 'application/x-www-form-urlencoded', isBase64Encoded = false) =>
  httpEvent({ headers: { 'content-type': contentType }, body, isBase64Encoded });

describe('jsonBody', () => {
  it('parses a JSON body', () => {
    expect(jsonBody(json('{"identifier":"alice","n":[1,2]}'))).toEqual({ identifier: 'alice', n: [1, 2] });
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/vnd.halo.v1+json', 'application/merge-patch+json'])(
    'accepts the content type %j',
    (type) => {
      expect(jsonBody(json('{"a":1}', type))).toEqual({ a: 1 });
    },
  );

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'multipart/form-data; boundary=x'])(
    'refuses the content type %j',
    async (type) => {
      await expectHaloError(() => jsonBody(json('{"a":1}', type)), 'unsupported_media_type', { 'content-type': 'must be application/json' });
    },
  );

  it('refuses a body without a content type', async () => {
    await expectHaloError(() => jsonBody(httpEvent({ body: '{"a":1}' })), 'unsupported_media_type');
  });

  it.each(['{', '{"a":1,}', "{'a':1}", 'undefined'])('refuses the malformed JSON %j', async (text) => {
    await expectHaloError(() => jsonBody(json(text)), 'invalid_request', { body: 'is not valid JSON' });
  });

  it.each([undefined, '', '   '])('refuses an empty body (%j)', async (text) => {
    await expectHaloError(() => jsonBody(json(text)), 'invalid_request', { body: 'must be a JSON object' });
  });

  it('decodes a base64 body', () => {
    const encoded = Buffer.from('{"identifier":"zoë"}').toString('base64');
    expect(jsonBody(json(encoded, 'application/json', true))).toEqual({ identifier: 'zoë' });
  });

  it(`accepts ${MAX_BODY_BYTES} bytes and refuses one more`, async () => {
    const fits = JSON.stringify({ p: 'x'.repeat(MAX_BODY_BYTES - 8) });
    expect(Buffer.byteLength(fits)).toBe(MAX_BODY_BYTES);
    expect(jsonBody(json(fits))).toEqual({ p: 'x'.repeat(MAX_BODY_BYTES - 8) });

    const tooBig = JSON.stringify({ p: 'x'.repeat(MAX_BODY_BYTES - 7) });
    await expectHaloError(() => jsonBody(json(tooBig)), 'payload_too_large', { body: 'must be at most 16384 bytes' });
  });

  it('counts bytes, not characters', async () => {
    const euros = JSON.stringify({ p: '€'.repeat(6000) }); // 6,010 characters, 18,010 bytes
    expect(euros.length).toBeLessThan(MAX_BODY_BYTES);
    await expectHaloError(() => jsonBody(json(euros)), 'payload_too_large');
  });

  it('measures a base64 body by its decoded size', async () => {
    const fits = JSON.stringify({ p: 'x'.repeat(MAX_BODY_BYTES - 8) });
    const encoded = Buffer.from(fits).toString('base64'); // about 21,800 characters once encoded
    expect(encoded.length).toBeGreaterThan(MAX_BODY_BYTES);
    expect(jsonBody(json(encoded, 'application/json', true))).toEqual(JSON.parse(fits));

    const tooBig = Buffer.from(JSON.stringify({ p: 'x'.repeat(MAX_BODY_BYTES) })).toString('base64');
    await expectHaloError(() => jsonBody(json(tooBig, 'application/json', true)), 'payload_too_large');
  });
});

describe('formBody', () => {
  it('parses a form body', () => {
    expect(formBody(form('grant_type=password&username=alice%40example.com&password=a+b%26c'))).toEqual({
      grant_type: 'password',
      username: 'alice@example.com',
      password: 'a b&c',
    });
  });

  it('accepts a charset parameter and a base64 body', () => {
    const encoded = Buffer.from('grant_type=refresh_token&refresh_token=abc').toString('base64');
    expect(formBody(form(encoded, 'application/x-www-form-urlencoded; charset=UTF-8', true))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'abc',
    });
  });

  it('reads an empty body as an empty form', () => {
    expect(formBody(form(undefined))).toEqual({});
  });

  it('refuses a parameter sent twice, naming it', async () => {
    await expectHaloError(() => formBody(form('grant_type=password&scope=a&scope=b')), 'invalid_request', { scope: 'must not be repeated' });
  });

  it('treats parameters named like Object properties as parameters', async () => {
    const parsed = formBody(form('constructor=a&__proto__=b&toString=c'));
    expect(Object.entries(parsed)).toEqual([
      ['constructor', 'a'],
      ['__proto__', 'b'],
      ['toString', 'c'],
    ]);
    await expectHaloError(() => formBody(form('__proto__=a&__proto__=b')), 'invalid_request', { ['__proto__']: 'must not be repeated' });
  });

  it('refuses another content type', async () => {
    await expectHaloError(() => formBody(form('{"grant_type":"password"}', 'application/json')), 'invalid_request', {
      'content-type': 'must be application/x-www-form-urlencoded',
    });
  });

  it('refuses a body over the size limit', async () => {
    await expectHaloError(() => formBody(form(`a=${'x'.repeat(MAX_BODY_BYTES)}`)), 'payload_too_large');
  });
});

describe('validate', () => {
  it('returns the parsed value when it fits the schema', () => {
    expect(validate(credentialsSchema, { identifier: 'alice', password: 'secret-pass' })).toEqual({ identifier: 'alice', password: 'secret-pass' });
  });

  it('names a missing field', async () => {
    await expectHaloError(() => validate(credentialsSchema, { identifier: 'alice' }), 'invalid_request', { password: 'is required' });
  });

  it('refuses an empty password, which no account has (and argon2 cannot hash)', async () => {
    await expectHaloError(() => validate(credentialsSchema, { identifier: 'alice', password: '' }), 'invalid_request', { password: 'must not be empty' });
  });

  it('names an extra field', async () => {
    await expectHaloError(() => validate(credentialsSchema, { identifier: 'alice', password: 'x', pasword: 'x' }), 'invalid_request', {
      pasword: 'is not an accepted field',
    });
  });

  it('names an extra field called __proto__ instead of answering a fail that names nothing', async () => {
    const error = await expectHaloError(() => validate(credentialsSchema, JSON.parse('{"identifier":"a","password":"b","__proto__":1}')), 'invalid_request');
    expect(Object.entries(error.fields)).toEqual([['__proto__', 'is not an accepted field']]);
  });

  it('names a field of the wrong type, and says which type it must be', async () => {
    await expectHaloError(() => validate(credentialsSchema, { identifier: 'alice', password: 12345678 }), 'invalid_request', {
      password: 'must be a string',
    });
    await expectHaloError(() => validate(refreshSchema, { refreshToken: null }), 'invalid_request', { refreshToken: 'must be a string' });
  });

  it('reports every problem at once', async () => {
    await expectHaloError(() => validate(credentialsSchema, { identifier: 7, extra: true }), 'invalid_request', {
      identifier: 'must be a string',
      password: 'is required',
      extra: 'is not an accepted field',
    });
  });

  it.each([[[1, 2]], [null], ['a string'], [42]])('refuses the body %j, which is not a JSON object', async (value) => {
    await expectHaloError(() => validate(credentialsSchema, value), 'invalid_request', { body: 'must be a JSON object' });
  });

  it('says "is required" for a missing body', async () => {
    await expectHaloError(() => validate(credentialsSchema, undefined), 'invalid_request', { body: 'is required' });
  });

  it("passes on a schema's own message", async () => {
    await expectHaloError(() => validate(clientIdSchema, 'naïve-client'), 'invalid_request', { body: 'must be 1 to 128 printable ASCII characters' });
    await expectHaloError(() => validate(credentialsSchema, { identifier: 'x'.repeat(1025), password: 'p' }), 'invalid_request');
    expect(validate(clientIdSchema, undefined)).toBeUndefined();
  });

  it('names nested fields by their path', async () => {
    const schema = z.strictObject({ profile: z.strictObject({ age: z.number() }) });
    await expectHaloError(() => validate(schema, { profile: { age: 'old' } }), 'invalid_request', { 'profile.age': 'must be a number' });
  });
});
