/* global SwaggerUIBundle, window, document, localStorage, CustomEvent, URL */
/*
 * The HTTP console (console.html): Swagger UI over the site's own openapi.yaml, sending every request to the
 * server that serves these pages, with the Bearer token filled in once for all routes. A token that register,
 * login, refresh or the OAuth token endpoint answers with is taken at once: signing up from the page and then
 * calling /api/user takes no copy-paste. The token is also kept where the socket console finds it
 * (socket-console.js), so the WebSocket page connects with it.
 */
(function () {
  'use strict';

  /** Shared with socket-console.js: the access token the reader is using now. */
  const TOKEN_KEY = 'halo.docs.accessToken';
  const SCHEME = 'bearerAuth';
  /** The routes whose answer carries a new access token (JSend `data.accessToken`, or OAuth's `access_token`). */
  const ISSUING = /\/(api\/register|api\/login|api\/refresh|oauth\/token)$/;

  const here = window.location.origin;

  /**
   * The specification lists localhost:3000 and a deployed stack's URL template; the console must talk to
   * the server it is served by (a test stack on another port, the API on AWS). This server comes first, so it
   * is the one selected; the others stay in the list.
   */
  function withThisServer(yamlText) {
    if (typeof yamlText !== 'string') return yamlText;
    const list = /^servers:\n(\s+)- url: /m.exec(yamlText);
    if (!list || yamlText.includes(`- url: ${here}\n`)) return yamlText;
    const indent = list[1];
    const entry = `${indent}- url: ${here}\n${indent}  description: This server (the one serving these pages)\n`;
    return yamlText.replace(/^servers:\n/m, `servers:\n${entry}`);
  }

  function remember(token) {
    try {
      localStorage.setItem(TOKEN_KEY, token);
    } catch {
      // Storage refused (private mode): the console still authorises this page.
    }
    document.dispatchEvent(new CustomEvent('halo:token', { detail: token }));
  }

  function forget() {
    try {
      localStorage.removeItem(TOKEN_KEY);
    } catch {
      // Nothing was stored.
    }
  }

  function tokenIn(response) {
    const body = response.body ?? (() => {
      try {
        return JSON.parse(response.text ?? response.data ?? '');
      } catch {
        return undefined;
      }
    })();
    if (!body || typeof body !== 'object') return undefined;
    return body.data?.accessToken ?? body.access_token;
  }

  const ui = SwaggerUIBundle({
    url: 'openapi.yaml',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // Every operation opens ready to send: the reader came here to try it.
    tryItOutEnabled: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    showExtensions: false,
    // Swagger UI would otherwise send the spec to validator.swagger.io and show its badge.
    validatorUrl: null,
    // Only this server's API: no "Explore" bar to load another specification.
    layout: 'BaseLayout',
    plugins: [
      () => ({
        statePlugins: {
          spec: { wrapActions: { updateSpec: (original) => (text) => original(withThisServer(text)) } },
          // However the token arrives (an answer above, or the Authorize dialog), the socket console gets it too.
          auth: {
            wrapActions: {
              authorize: (original) => (payload) => {
                const token = payload?.[SCHEME]?.value;
                if (typeof token === 'string' && token) remember(token);
                return original(payload);
              },
              logout: (original) => (payload) => {
                forget();
                return original(payload);
              },
            },
          },
        },
      }),
    ],
    responseInterceptor(response) {
      const path = (() => {
        try {
          return new URL(response.url, here).pathname;
        } catch {
          return '';
        }
      })();
      if (response.ok && ISSUING.test(path)) {
        const token = tokenIn(response);
        if (typeof token === 'string' && token) authorizeWith(token);
      }
      return response;
    },
    onComplete() {
      // A token from an earlier visit (or from the socket page) authorises this page too.
      let saved = null;
      try {
        saved = localStorage.getItem(TOKEN_KEY);
      } catch {
        saved = null;
      }
      if (saved) authorizeWith(saved);
    },
  });
  /**
   * What the Authorize dialog does, through the system's own (wrapped) action, so persistAuthorization and the
   * wrapper above see it. (`preauthorizeApiKey` calls the action as it was before plugins wrapped it.)
   */
  function authorizeWith(token) {
    const schema = ui.specSelectors.specJson().getIn(['components', 'securitySchemes', SCHEME]);
    if (schema) ui.authActions.authorize({ [SCHEME]: { name: SCHEME, schema: schema.toJS(), value: token } });
  }

  window.haloConsole = ui;
})();
