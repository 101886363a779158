/* global window, document, localStorage, WebSocket */
/*
 * The socket console, on the WebSocket reference and the HTTP console: connects to Halo's live socket with
 * the reader's current access token (the one the HTTP console took from sign-up or login), shows every
 * message as it arrives, and sends a ping. The token goes as the `halo.bearer` subprotocol, as
 * docs/asyncapi.yaml tells browsers to, never in the URL.
 *
 * The socket's address: the `halo-websocket-url` meta tag when the server fills it in (on AWS the WebSocket
 * API is another host than the HTTP API: the docs function writes its URL there), else this host's /ws (the
 * embedded stack and the compose gateway serve the socket beside the HTTP API).
 */
(function () {
  'use strict';

  const TOKEN_KEY = 'halo.docs.accessToken';

  function socketUrl() {
    const meta = document.querySelector('meta[name="halo-websocket-url"]');
    const configured = meta?.getAttribute('content')?.trim();
    if (configured) return configured;
    return `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}/ws`;
  }

  function savedToken() {
    try {
      return localStorage.getItem(TOKEN_KEY) ?? '';
    } catch {
      return '';
    }
  }

  const element = (tag, attributes = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), attributes);
    node.append(...children);
    return node;
  };

  function mount() {
    let host = document.getElementById('socket-console');
    if (!host) {
      // On a page that did not reserve a place (the Redoc page): a drawer in the corner.
      host = element('aside', { id: 'socket-console', className: 'drawer' });
      document.body.append(host);
    }
    const url = element('input', { type: 'url', id: 'socket-url', value: socketUrl(), spellcheck: false });
    const token = element('input', { type: 'text', id: 'socket-token', value: savedToken(), placeholder: 'sign up or log in on the HTTP console, or paste a token', spellcheck: false });
    const connect = element('button', { type: 'button', id: 'socket-connect', textContent: 'Connect' });
    const ping = element('button', { type: 'button', id: 'socket-ping', textContent: 'Send ping', disabled: true });
    const close = element('button', { type: 'button', id: 'socket-close', textContent: 'Disconnect', disabled: true });
    const state = element('span', { id: 'socket-state', textContent: 'closed' });
    const log = element('ol', { id: 'socket-log' });
    const toggle = element('button', { type: 'button', className: 'toggle', textContent: 'Live socket console' });
    const body = element(
      'div',
      { className: 'body' },
      element('label', {}, 'Socket URL', url),
      element('label', {}, 'Access token', token),
      // Beside Redoc, a way to get a token; on the HTTP console the routes are right below.
      ...(document.getElementById('swagger-ui') ? [] : [element('p', { className: 'hint' }, 'No token yet? ', element('a', { href: 'console.html#/Accounts/register', textContent: 'Sign up or log in on the HTTP console' }), ': it is used here at once.')]),
      element('div', { className: 'actions' }, connect, ping, close, state),
      log,
    );
    host.append(toggle, body);
    toggle.addEventListener('click', () => host.classList.toggle('open'));
    if (host.classList.contains('drawer') && window.location.hash === '#socket-console') host.classList.add('open');

    // A token taken by the HTTP console on this page, or in another tab of the site.
    document.addEventListener('halo:token', (event) => (token.value = event.detail));
    window.addEventListener('storage', (event) => {
      if (event.key === TOKEN_KEY) token.value = event.newValue ?? '';
    });

    const entry = (direction, text) => {
      const item = element('li', { className: direction });
      let shown = text;
      try {
        const message = JSON.parse(text);
        shown = JSON.stringify(message, null, 2);
        if (message && typeof message.type === 'string') item.dataset.type = message.type;
      } catch {
        // Not JSON: shown as it came.
      }
      item.append(element('span', { className: 'meta', textContent: `${new Date().toLocaleTimeString()} ${direction === 'in' ? '←' : direction === 'out' ? '→' : '·'}` }), element('pre', { textContent: shown }));
      log.prepend(item);
    };

    let socket = null;
    const setState = (text, open) => {
      state.textContent = text;
      state.dataset.state = open ? 'open' : 'closed';
      ping.disabled = !open;
      close.disabled = !socket;
      connect.disabled = Boolean(socket);
    };

    connect.addEventListener('click', () => {
      const current = token.value.trim();
      if (!current) {
        entry('note', 'No access token yet: sign up or log in on the HTTP console first.');
        return;
      }
      let opened;
      try {
        opened = new WebSocket(url.value.trim(), ['halo.bearer', current]);
      } catch (error) {
        entry('note', `Cannot connect: ${error.message}`);
        return;
      }
      socket = opened;
      setState('connecting…', false);
      opened.addEventListener('open', () => {
        setState('open', true);
        entry('note', `Connected to ${opened.url}`);
      });
      opened.addEventListener('message', (event) => entry('in', String(event.data)));
      opened.addEventListener('close', (event) => {
        if (socket === opened) socket = null;
        setState('closed', false);
        // A refused handshake closes with 1006 and no reason: the token is likely expired or wrong.
        entry('note', `Closed: ${event.code}${event.reason ? ` ${event.reason}` : ''}${event.code === 1006 ? ' (refused or cut: is the token still valid?)' : ''}`);
      });
    });
    ping.addEventListener('click', () => {
      const message = JSON.stringify({ action: 'ping' });
      socket?.send(message);
      entry('out', message);
    });
    close.addEventListener('click', () => socket?.close(1000));
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
  else mount();
})();
