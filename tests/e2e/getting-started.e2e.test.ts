import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStackProcess, withTempDir, type RunningStack } from '../support/embedded-stack-process';
import { call } from '../support/http';
import { CURL, needs } from '../support/optional-tools';
import { shellSession } from '../support/shell-session';

/**
 * docs/getting-started.md, run as a reader would: every `sh` block after "npm start", in order, in one
 * shell, against the embedded stack. Only the port differs (the stack takes a free one instead of 3000),
 * and the shell works in a scratch folder, finding Halo's packages (ws, sharp) through NODE_PATH.
 */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const GUIDE = readFileSync(join(PROJECT_ROOT, 'docs/getting-started.md'), 'utf8');
const BLOCKS = [...GUIDE.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '').filter((block) => !block.includes('npm start'));

let stack: RunningStack;
beforeAll(async () => {
  stack = await startStackProcess();
});
afterAll(() => stack.stop());

/** What each step must print (matched by a piece of its command). */
const EXPECTED: [string, string[]][] = [
  ['/api/register', ['"status":"success"', '"identifier":"ada@example.com"', '"tokenType":"Bearer"']],
  ['/api/login', ['"status":"success"']],
  ['curl -s http://localhost:3000/api/user -H', ['"identifierType":"email"']],
  ['ws://localhost:3000/ws', ['socket: connected', 'socket: {"type":"pong"}']],
  ['-F avatar=@me.png', ['"avatarUrl":"http://localhost:', 'socket: {"type":"avatar.changed"']],
  ['AVATAR_URL=', ['302 Found', 'location: http://127.0.0.1:']],
  ['/api/user/avatar/upload', ['storage answered 204', 'socket: {"type":"avatar.changed"']],
  ['/api/refresh', ['"refreshToken"']],
  ['/api/user/identifiers', ['"value":"+442079460958"', 'socket: {"type":"identifiers.changed"']],
  ['/api/user/sessions', ['"current":true']],
  ['/api/user/password', ['{"status":"success","data":{"endedSessions":1}}', 'socket: {"type":"password.changed"']],
  ['/api/user/export', ['format exportedAt account identifiers avatar sessions sockets uploadForms otherRecords notIncluded']],
  ['-X DELETE', ['{"status":"success","data":null}', 'socket: {"type":"user.deleted"}', 'socket: closed 1000']],
  ['curl -s http://localhost:3000/api/user -H', ['{"status":"fail","data":{"authorization":"the access token is invalid or has expired"}}']],
];

needs(CURL, "the getting-started guide's commands").describe('docs/getting-started.md', () => {
  it('has the steps this test knows', () => {
    expect(BLOCKS).toHaveLength(EXPECTED.length);
    EXPECTED.forEach(([piece], index) => expect([index, BLOCKS[index]]).toEqual([index, expect.stringContaining(piece)]));
  });

  it('works as written, step by step, against the embedded stack', () =>
    withTempDir(async (folder) => {
      const port = new URL(stack.url).port;
      const session = shellSession(folder);
      try {
        for (const [index, block] of BLOCKS.entries()) {
          const printed = await session.run(block.replaceAll('localhost:3000', `localhost:${port}`), EXPECTED[index]?.[1]);
          expect(printed).not.toMatch(/command not found|Error:|SyntaxError|Cannot find module/);
        }
        expect(readFileSync(join(folder, 'avatar.webp')).subarray(8, 12).toString()).toBe('WEBP');
        expect(JSON.parse(readFileSync(join(folder, 'halo-account.json'), 'utf8')).data.export.identifiers).toHaveLength(2);
      } finally {
        await session.close();
      }
      // The page readers follow is this very guide.
      expect((await call(`${stack.url}/docs/getting-started.html`)).text).toContain('Getting started with Halo');
    }));
});
