import { HaloClient, HaloError, localStorageTokenStore, type LiveSocket, type User } from '../client/src/index';

/**
 * The Halo demo: sign-up and login by any identifier kind, the profile, avatar upload by both paths with a
 * preview, the live socket's events, the account's identifiers (add, remove), its devices (list, sign out one or
 * all others), a password change, a download of everything Halo stores, logout and account deletion, all through
 * client/. Served by Halo at
 * /demo (then it talks to the origin it came from), or as static files from anywhere with
 * `?api=<Halo base URL>` (and `&ws=<socket URL>` when the socket is elsewhere, as on AWS). Served by Halo on AWS,
 * the page's `halo-websocket-url` tag names the stack's socket (the docs function fills it in).
 */
const params = new URLSearchParams(location.search);
const api = params.get('api') ?? location.origin;
const servedSocketUrl = document.querySelector<HTMLMetaElement>('meta[name="halo-websocket-url"]')?.content || undefined;
const socketUrl = params.get('ws') ?? (params.has('api') ? undefined : servedSocketUrl);
const client = new HaloClient({ baseUrl: api, socketUrl, tokenStore: localStorageTokenStore('halo.demo.tokens') });
let socket: LiveSocket | undefined;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const text = (id: string, value: string) => void ($(id).textContent = value);

function say(message: string): void {
  text('message', message);
}

function log(entry: string): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()}  ${entry}`;
  $('log').prepend(item);
}

function explain(error: unknown): string {
  if (error instanceof HaloError) {
    const fields = Object.entries(error.fields).map(([field, problem]) => `${field}: ${problem}`);
    return fields.length > 0 ? fields.join('; ') : error.message;
  }
  return String(error);
}

function show(user: User | undefined): void {
  $('signed-out').hidden = Boolean(user);
  $('signed-in').hidden = !user;
  if (!user) return;
  text('identifier', user.identifier);
  text('identifier-type', user.identifierType);
  text('user-id', user.id);
  text('registered-at', new Date(user.registeredAt).toLocaleString());
  const avatar = $<HTMLImageElement>('avatar');
  if (user.avatarUrl) avatar.src = user.avatarUrl;
  else avatar.removeAttribute('src');
  showIdentifiers(user);
}

/** One row of a list: its text, and a button when something can be done with it. */
function row(label: string, action?: { text: string; run: () => Promise<void> }): HTMLLIElement {
  const item = document.createElement('li');
  const span = document.createElement('span');
  span.textContent = label;
  item.append(span);
  if (action) {
    const button = document.createElement('button');
    button.textContent = action.text;
    button.addEventListener('click', () => action.run().catch((error: unknown) => say(explain(error))));
    item.append(button);
  }
  return item;
}

function showIdentifiers(user: User): void {
  const only = user.identifiers.length === 1;
  $('identifiers').replaceChildren(
    ...user.identifiers.map((entry) =>
      row(`${entry.value} (${entry.type})`, only ? undefined : {
        text: 'Remove',
        run: async () => {
          const updated = await client.removeIdentifier(entry.value);
          show(updated);
          log(`removed ${entry.value}`);
        },
      }),
    ),
  );
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'unknown');

async function showSessions(): Promise<void> {
  const sessions = await client.listSessions();
  $('sessions').replaceChildren(
    ...sessions.map((session) =>
      row(
        `${session.current ? 'This device' : session.clientId}: signed in ${when(session.createdAt)}, last active ${when(session.lastUsedAt)}`,
        session.current ? undefined : {
          text: 'Sign out',
          run: async () => {
            await client.endSession(session.id);
            log(`signed out session ${session.id.slice(0, 8)}…`);
            await showSessions();
          },
        },
      ),
    ),
  );
}

function startSocket(): void {
  socket?.close();
  socket = client.connect();
  text('socket-status', 'connecting');
  socket.on('open', () => {
    text('socket-status', 'open');
    log('socket open');
  });
  socket.on('close', (event) => {
    text('socket-status', 'reconnecting');
    log(`socket closed (${event.code}): ${event.why ?? ''}; reconnecting in ${event.reconnectInMs} ms`);
  });
  socket.on('message', (message) => log(`← ${JSON.stringify(message)}`));
  socket.on('avatar.changed', (event) => {
    $<HTMLImageElement>('avatar').src = event.avatarUrl;
    say('');
  });
  socket.on('avatar.rejected', (event) => say(`The image was refused: ${event.reason}`));
  // Another tab or device changed the identifiers: show the account as it is now.
  socket.on('identifiers.changed', () => void client.getUser().then(show, (error: unknown) => say(explain(error))));
  socket.on('password.changed', () => void showSessions().catch((error: unknown) => say(explain(error))));
  socket.on('session.ended', (event) => {
    say(`This device was signed out (${event.reason}). Log in again.`);
    show(undefined);
  });
  socket.on('ended', (event) => {
    text('socket-status', 'closed');
    log(`socket ended: ${event.reason}`);
  });
}

async function signedIn(user: User): Promise<void> {
  show(user);
  startSocket();
  await showSessions().catch((error: unknown) => say(explain(error)));
}

$<HTMLFormElement>('credentials').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const data = new FormData(form);
  const action = (event.submitter as HTMLButtonElement | null)?.value ?? 'login';
  const identifier = String(data.get('identifier'));
  const password = String(data.get('password'));
  try {
    const user = action === 'register' ? await client.register(identifier, password) : await client.login(identifier, password);
    say('');
    log(`${action === 'register' ? 'signed up' : 'logged in'} as ${user.identifier}`);
    await signedIn(user);
  } catch (error) {
    say(explain(error));
  }
});

$<HTMLInputElement>('avatar-form').querySelector('input')?.addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  const preview = $<HTMLImageElement>('preview');
  if (!file) return void (preview.hidden = true);
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
});

$<HTMLFormElement>('avatar-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = (event.target as HTMLFormElement).querySelector('input')?.files?.[0];
  if (!file) return;
  const progress = $<HTMLProgressElement>('progress');
  const onProgress = (fraction: number) => void (progress.value = fraction);
  progress.value = 0;
  try {
    if ((event.submitter as HTMLButtonElement | null)?.value === 'direct') {
      const { uploadId } = await client.uploadAvatarDirect(file, { onProgress });
      log(`direct upload ${uploadId} sent; waiting for avatar.changed`);
      say('Uploaded to storage: Halo checks it and announces the result on the socket.');
    } else {
      const { avatarUrl } = await client.uploadAvatar(file, { onProgress });
      $<HTMLImageElement>('avatar').src = avatarUrl;
      log('avatar uploaded through Halo');
      say('');
    }
  } catch (error) {
    say(explain(error));
  }
});

$<HTMLFormElement>('identifier-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const identifier = String(new FormData(form).get('new-identifier'));
  try {
    show(await client.addIdentifier(identifier));
    log(`added ${identifier}`);
    form.reset();
    say('');
  } catch (error) {
    say(explain(error));
  }
});

$('end-others').addEventListener('click', async () => {
  try {
    const { endedSessions } = await client.endOtherSessions();
    log(`signed out ${endedSessions} other device(s)`);
    await showSessions();
  } catch (error) {
    say(explain(error));
  }
});

$<HTMLFormElement>('password-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const data = new FormData(form);
  try {
    const { endedSessions } = await client.changePassword(String(data.get('current-password')), String(data.get('new-password')));
    log(`password changed; ${endedSessions} other device(s) signed out`);
    say('Password changed.');
    form.reset();
    await showSessions();
  } catch (error) {
    say(explain(error));
  }
});

$('export').addEventListener('click', async () => {
  try {
    const data = await client.exportAccount();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    link.download = `halo-account-${data.account.id}.json`;
    link.click();
    // Revoked once the browser has started the download (it reads the blob asynchronously).
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    log('downloaded everything Halo stores about this account');
  } catch (error) {
    say(explain(error));
  }
});

$('logout').addEventListener('click', async () => {
  socket?.close();
  await client.logout().catch((error: unknown) => say(explain(error)));
  log('logged out');
  text('socket-status', 'closed');
  show(undefined);
});

$('delete').addEventListener('click', async () => {
  try {
    await client.deleteAccount();
    log('account deleted');
    show(undefined);
  } catch (error) {
    say(explain(error));
  }
});

text('api', api);
if (await client.isSignedIn()) {
  client.getUser().then(signedIn, () => show(undefined));
} else {
  show(undefined);
}
