import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A bash session fed one block of documented commands at a time, as a reader pastes them: same shell, so
 * variables and background jobs carry over. It works in `cwd` and finds Halo's packages (ws, sharp)
 * through NODE_PATH; everything it and what it started print lands in `output()`.
 */
export function shellSession(cwd: string) {
  const bash = spawn('bash', ['--noprofile', '--norc'], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '', NODE_PATH: join(PROJECT_ROOT, 'node_modules') },
  });
  let output = '';
  bash.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  bash.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => bash.once('exit', () => done()));

  const until = async (text: string, since: number, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!output.slice(since).includes(text)) {
      if (Date.now() > deadline) throw new Error(`the commands never printed ${JSON.stringify(text)}; they printed:\n${output.slice(since)}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  };

  return {
    output: () => output,
    /** Runs a block, waits until it is done and everything in `expected` appeared, and returns what it printed. */
    async run(block: string, expected: string[] = []): Promise<string> {
      const since = output.length;
      const marker = `::block done ${since}::`;
      bash.stdin.write(`${block}\necho "${marker}"\n`);
      await until(marker, since);
      for (const text of expected) await until(text, since);
      return output.slice(since, output.indexOf(marker, since));
    },
    async close(): Promise<void> {
      bash.stdin.end();
      await exited;
    },
  };
}
