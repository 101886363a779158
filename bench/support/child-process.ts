import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT, inheritedEnv } from './environment';

export interface RunningChild {
  readonly output: () => string;
  /** Ctrl-C, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node --import tsx <script>` from the project root and waits (bounded) until its output
 * matches `ready`; returns the match. The bench talks to it over loopback only.
 */
export async function startTsxProcess(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 30_000,
): Promise<{ match: RegExpExecArray; child: RunningChild }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: PROJECT_ROOT,
    env: { ...inheritedEnv(), NODE_OPTIONS: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const look = () => {
      const found = ready.exec(output);
      if (found) {
        clearTimeout(timer);
        child.stdout?.off('data', look);
        resolve(found);
      }
    };
    child.stdout?.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${output}`));
    });
  });
  return { match, child: { output: () => output, stop: () => stopProcess(child) } };
}

function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
    child.kill('SIGINT');
  });
}

export interface StackProcess extends RunningChild {
  readonly url: string;
  readonly websocketUrl: string;
}

/**
 * The bench opens 1,000 sockets for one user and signs up and logs in (also wrongly, for the timing
 * comparison) far more often than any person would, all from 127.0.0.1: its stack lifts the abuse limits,
 * and the stage throttle (bursts of 500 per API by default), since it measures Halo, not the throttle.
 */
const BENCH_LIMITS = {
  HALO_THROTTLE_RATE: '1000000',
  HALO_THROTTLE_BURST: '1000000',
  SOCKETS_PER_USER: '2000',
  REGISTRATIONS_PER_SOURCE: '1000000',
  LOGIN_FREE_FAILURES: '1000000',
  LOGIN_IDENTIFIER_ATTACK_FAILURES: '1000000',
  LOGIN_SOURCE_FREE_FAILURES: '1000000',
};

/** The embedded stack exactly as `npm start` runs it (local/start.ts), on a free port, keeping nothing. */
export async function startStackProcess(): Promise<StackProcess> {
  const { match, child } = await startTsxProcess(
    'local/start.ts',
    { PORT: '0', DATA_DIR: ':memory:', ...BENCH_LIMITS },
    /HTTP API\s+(http:\/\/\S+)\/api[\s\S]*Press Ctrl-C/,
  );
  const url = match[1] ?? '';
  return { ...child, url, websocketUrl: /WebSocket\s+(\S+)/.exec(child.output())?.[1] ?? '' };
}

/** The baseline: the same handler modules behind a bare node:http server (support/bare-server.ts). */
/**
 * `timed`: the server also attributes and times SDK calls (AsyncLocalStorage and a record of every call), for
 * the handler-time table. That instrumentation slows every request, so the latency baseline runs without it.
 */
export async function startBareServer({ timed = false } = {}): Promise<RunningChild & { url: string }> {
  const { match, child } = await startTsxProcess('bench/support/bare-server.ts', timed ? { BARE_SERVER_TIMED: '1' } : {}, /BARE SERVER (http:\/\/\S+)/);
  return { ...child, url: match[1] ?? '' };
}
