import { BEARER_SUBPROTOCOL, socketAccessToken } from '#functions/common/socket-token';
import { expectHaloError } from '#tests/support/halo-error';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('socketAccessToken', () => {
  it.each([
    ['the bearer marker and the token', `halo.bearer, ${TOKEN}`],
    ['no spaces', `halo.bearer,${TOKEN}`],
    ['other subprotocols around them', `chat.v2, halo.bearer, ${TOKEN}, graphql-ws`],
  ])('takes the token from the subprotocols offered: %s', (_what, offered) => {
    expect(socketAccessToken({ 'sec-websocket-protocol': offered }, undefined)).toEqual({ token: TOKEN, viaSubprotocol: true });
  });

  it.each(['Sec-WebSocket-Protocol', 'SEC-WEBSOCKET-PROTOCOL', 'sec-WebSocket-protocol'])(
    'reads the header however the client capitalised it (API Gateway passes the spelling on): %s',
    (name) => {
      expect(socketAccessToken({ [name]: `halo.bearer, ${TOKEN}` }, {})).toEqual({ token: TOKEN, viaSubprotocol: true });
    },
  );

  it('takes the token from ?access_token=', () => {
    expect(socketAccessToken({}, { access_token: TOKEN })).toEqual({ token: TOKEN, viaSubprotocol: false });
    expect(socketAccessToken(undefined, { access_token: TOKEN })).toEqual({ token: TOKEN, viaSubprotocol: false });
  });

  it('prefers the subprotocol when both carry a token', () => {
    expect(socketAccessToken({ 'sec-websocket-protocol': `halo.bearer, ${TOKEN}` }, { access_token: 'from-the-query' })).toEqual({
      token: TOKEN,
      viaSubprotocol: true,
    });
  });

  it('falls back to the query when the marker comes without a token', () => {
    expect(socketAccessToken({ 'sec-websocket-protocol': 'halo.bearer' }, { access_token: TOKEN })).toEqual({ token: TOKEN, viaSubprotocol: false });
  });

  it('names the subprotocol it accepts', () => {
    expect(BEARER_SUBPROTOCOL).toBe('halo.bearer');
  });

  it.each([
    ['nothing at all', undefined, undefined],
    ['empty headers and query', {}, {}],
    ['other subprotocols only', { 'sec-websocket-protocol': `chat.v2, ${TOKEN}` }, {}],
    ['the marker without a token', { 'sec-websocket-protocol': 'halo.bearer' }, {}],
    ['the marker followed by an empty entry', { 'sec-websocket-protocol': 'halo.bearer, ' }, {}],
    ['the token before the marker', { 'sec-websocket-protocol': `${TOKEN}, halo.bearer` }, {}],
    ['an empty access_token', {}, { access_token: '' }],
    ['another query parameter', {}, { token: TOKEN }],
  ])('asks for a token when it finds none: %s', async (_what, headers, query) => {
    const error = await expectHaloError(() => socketAccessToken(headers, query), 'missing_token');
    expect(error.fields.authorization).toContain('halo.bearer');
  });
});
