import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { CONNECTING_GRACE_MS } from '#lib/sockets/fan-out';
import { startStackProcess, withTempDir, type RunningStack } from '../support/embedded-stack-process';
import { bearer, call, postJson, type Reply } from '../support/http';
import { jpegImage, pngImage } from '../support/images';
import { findOrphans } from '../support/orphan-scan';
import { openSocket } from '../support/socket-client';
import { inspect } from '../support/stack-inspector';
import { waitUntil } from '../support/wait-until';

/**
 * The embedded stack killed hard (SIGKILL: no clean-up, no flush) while requests are in flight, then
 * restarted on the same DATA_DIR and port (so the issuer, and with it every access token, stays the
 * same). Everything that was acknowledged must be there; what was not is retried, as a client would,
 * and then nothing is left half-done.
 */

const PASSWORD = 'a perfectly fine passphrase';

/** A port nobody is using now, so both runs can share it (and their issuer). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

interface Account {
  readonly id: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

async function register(stack: RunningStack, identifier: string): Promise<Account> {
  const reply = await postJson(`${stack.url}/api/register`, { identifier, password: PASSWORD });
  expect(reply.status).toBe(201);
  return { id: reply.json.data.user.id, accessToken: reply.json.data.accessToken, refreshToken: reply.json.data.refreshToken };
}

const upload = async (stack: RunningStack, accessToken: string, body: Buffer) =>
  call(`${stack.url}/api/user/avatar`, { method: 'POST', headers: { ...bearer(accessToken), 'content-type': 'image/png' }, body });

/** A request the kill may cut off: its reply, or `undefined` if it never came. */
const inFlight = (request: Promise<Reply>) => request.then((reply) => reply as Reply | undefined, () => undefined);

describe('the embedded default killed mid-way and restarted on the same DATA_DIR', () => {
  it('keeps every acknowledged change, and after retrying the rest nothing is orphaned', () =>
    withTempDir(async (dataDir) => {
      // Strict reuse detection (no refresh grace window), so replaying the rotated-out token ends its session at once.
      const env = { PORT: String(await freePort()), REFRESH_REUSE_GRACE_SECONDS: '0' };
      const first = await startStackProcess({ dataDir, env });
      // Whatever fails before the kill, the first stack must not outlive the test (killing it twice is harmless).
      try {
        const firstLook = inspect(first);

        // Acknowledged before the kill.
        const ada = await register(first, 'ada-restart@example.com');
        const rotated = await postJson(`${first.url}/api/refresh`, { refreshToken: ada.refreshToken });
        expect(rotated.status).toBe(200);
        // A socket open when the process dies goes with it, and no $disconnect ever removes its record. It opens
        // before the upload: an announcement running while a socket is still opening finds it gone and drops its record.
        const socket = await openSocket(first.websocketUrl, rotated.json.data.accessToken);
        const avatar = await upload(first, ada.accessToken, await pngImage(64, 64));
        expect(avatar.status).toBe(200);
        await socket.next((message) => message.type === 'avatar.changed' && message.data?.avatarUrl === avatar.json.data.avatarUrl);
        expect((await firstLook.itemsOf(ada.id)).filter((item) => String(item.pk).startsWith('CONN#'))).toHaveLength(1);
        const gone = await register(first, 'gone-restart@example.com');
        expect((await upload(first, gone.accessToken, await pngImage())).status).toBe(200);
        expect((await call(`${first.url}/api/user`, { method: 'DELETE', headers: bearer(gone.accessToken) })).status).toBe(200);
        const uploader = await register(first, 'uploader-restart@example.com');
        const leaving = await register(first, 'leaving-restart@example.com');
        await upload(first, leaving.accessToken, await pngImage());

        // In flight when the process dies: sign-ups, racing uploads and a deletion.
        const images = await Promise.all([pngImage(120, 90), jpegImage(200, 150), pngImage(300, 200)]);
        const signUps = ['late-1-restart', 'late-2-restart', 'late-3-restart'].map((identifier) => ({
          identifier,
          reply: inFlight(postJson(`${first.url}/api/register`, { identifier, password: PASSWORD })),
        }));
        const uploads = images.map((body) => inFlight(upload(first, uploader.accessToken, body)));
        const deletion = inFlight(call(`${first.url}/api/user`, { method: 'DELETE', headers: bearer(leaving.accessToken) }));
        await Promise.race([...uploads, deletion, ...signUps.map((s) => s.reply)]);
        await first.kill();
        firstLook.close();
        await socket.closed;
        // The kill may cut an avatar PUT between s3rver's files; make sure one is cut so, whatever the timing:
        // its bytes written, its metadata file truncated (s3rver alone then fails every listing covering it).
        const halfWritten = join(dataDir, 's3', 'halo-avatars', 'avatars', uploader.id, 'cut-by-the-kill.webp._S3rver_');
        await mkdir(dirname(halfWritten), { recursive: true });
        await writeFile(`${halfWritten}object`, 'RIFF');
        await writeFile(`${halfWritten}metadata.json`, '');

        const second = await startStackProcess({ dataDir, env });
        const look = inspect(second);
        try {
          expect(second.output()).toContain(`avatars/${uploader.id}/cut-by-the-kill.webp`); // removed before serving, and said so
          // Acknowledged sign-up, rotation and avatar.
          expect((await postJson(`${second.url}/api/login`, { identifier: 'ada-restart@example.com', password: PASSWORD })).status).toBe(200);
          const profile = await call(`${second.url}/api/user`, { headers: bearer(rotated.json.data.accessToken) });
          expect(profile.status).toBe(200);
          expect(profile.json.data.user.avatarUrl).toBe(avatar.json.data.avatarUrl);
          expect((await call(avatar.json.data.avatarUrl, { redirect: 'manual' })).status).toBe(302);
          // The rotated-in token refreshes; the rotated-out one is refused (and, as reuse, ends that session).
          const again = await postJson(`${second.url}/api/refresh`, { refreshToken: rotated.json.data.refreshToken });
          expect(again.status).toBe(200);
          expect((await postJson(`${second.url}/api/refresh`, { refreshToken: ada.refreshToken })).status).toBe(401);
          expect((await postJson(`${second.url}/api/refresh`, { refreshToken: again.json.data.refreshToken })).status).toBe(401);
          // The dead socket's record is dropped by the first announcement that finds it gone, once it is older
          // than the grace a socket still inside its $connect gets (here it is seconds old: age it instead of waiting).
          await look.ageConnectionsOf(ada.id, CONNECTING_GRACE_MS);
          const relogin = await postJson(`${second.url}/api/login`, { identifier: 'ada-restart@example.com', password: PASSWORD });
          expect((await upload(second, relogin.json.data.accessToken, await pngImage(32, 32))).status).toBe(200);
          await waitUntil(async () => (await look.itemsOf(ada.id)).every((item) => !String(item.pk).startsWith('CONN#')));

          // The acknowledged deletion stays done.
          expect((await postJson(`${second.url}/api/login`, { identifier: 'gone-restart@example.com', password: PASSWORD })).status).toBe(401);
          expect((await call(`${second.url}/api/user`, { headers: bearer(gone.accessToken) })).status).toBe(401);
          expect(await look.itemsOf(gone.id)).toEqual([]);

          // What was cut off is retried, as a client would.
          for (const { identifier, reply } of signUps) {
            const answered = await reply;
            if (answered?.status !== 201) {
              const retried = await postJson(`${second.url}/api/register`, { identifier, password: PASSWORD });
              // 409 only for a sign-up that died after its claim: honoured until its pending window ends, then taken over.
              if (retried.status === 409) {
                const items = await look.items();
                const held = items.find((item) => item.pk === `IDENT#nickname#${identifier}`);
                const holder = items.find((item) => item.pk === `USER#${String(held?.userId)}`);
                if (holder?.status === 'pending') {
                  expect(String(holder.pendingUntil) > new Date().toISOString()).toBe(true);
                  continue;
                }
                // Otherwise it had finished and just not answered: the account is there.
              } else {
                expect(retried.status).toBe(201);
              }
            }
            expect((await postJson(`${second.url}/api/login`, { identifier, password: PASSWORD })).status).toBe(200);
          }
          const answeredUploads = await Promise.all(uploads);
          for (const [i, reply] of answeredUploads.entries()) {
            // 200 and 409 are answers; an upload cut off is sent again, and being newer than anything before it, it wins.
            if (reply?.status === 200 || reply?.status === 409) continue;
            expect((await upload(second, uploader.accessToken, images[i] ?? Buffer.alloc(0))).status).toBe(200);
          }
          expect((await call(`${second.url}/api/user`, { headers: bearer(uploader.accessToken) })).json.data.user.avatarUrl).not.toBeNull();
          const deleted = await deletion;
          if (deleted?.status !== 200) {
            const retried = await call(`${second.url}/api/user`, { method: 'DELETE', headers: bearer(leaving.accessToken) });
            // 401 only if the deletion had finished and just not answered: the account is gone either way.
            expect([200, 401]).toContain(retried.status);
          }
          expect(await look.itemsOf(leaving.id)).toEqual([]);
          expect(await look.objectKeys(`avatars/${leaving.id}/`)).toEqual([]);

          // The uploader has one avatar, served, and once the S3 events have run nothing else in the bucket.
          const current = (await call(`${second.url}/api/user`, { headers: bearer(uploader.accessToken) })).json.data.user.avatarUrl as string;
          expect((await call(current, { redirect: 'manual' })).status).toBe(302);
          const version = current.split('/').at(-1);
          await waitUntil(async () => {
            const keys = await look.objectKeys(`avatars/${uploader.id}/`);
            return keys.length === 1 && keys[0] === `avatars/${uploader.id}/${version}.webp`;
          }, 15_000);
          // dynalite applies a BatchWriteItem item by item, so the kill can split a sign-up's session write: the
          // session without its first token. Its user is still pending, so nothing reaches it (the retried sign-up
          // was told 409 above). That, and only for a pending user, is the one thing a kill may leave.
          const items = await look.items();
          const cutSignUp = (orphan: string) => {
            const session = items.find((item) => orphan === `${String(item.pk)}: session without any refresh token`);
            return session !== undefined && items.some((item) => item.pk === `USER#${String(session.userId)}` && item.status === 'pending');
          };
          expect(findOrphans({ items, objectKeys: await look.objectKeys(), now: new Date() }).filter((orphan) => !cutSignUp(orphan))).toEqual([]);
        } finally {
          look.close();
          expect(await second.stop()).toBe(0);
        }
      } finally {
        await first.kill();
      }
    }), 60_000);
});
