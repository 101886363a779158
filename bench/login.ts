import autocannon from 'autocannon';
import { createPasswordHasher, OWASP_ARGON2ID } from '#lib/passwords/password-hasher';
import { loginRequest, register } from './support/client';
import { startStackProcess } from './support/child-process';
import { median, now, percentile } from './support/stats';
import { note, printTable, type Row } from './support/table';

/**
 * Login's cost is the KDF's, on purpose. First argon2id alone, at the configured parameters, in this
 * process; then whole logins through the HTTP API of the embedded stack at concurrency 2 and 4.
 */
export async function loginBench({ quick }: { quick: boolean }) {
  const hasher = createPasswordHasher();
  const password = 'correct horse battery staple';
  const runs = quick ? 7 : 15;
  await hasher.hash(password); // compile the WASM module once, as the first login of a container does
  const hashMs: number[] = [];
  let phc = '';
  for (let i = 0; i < runs; i++) {
    const start = now();
    phc = await hasher.hash(password);
    hashMs.push(now() - start);
  }
  const verifyMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = now();
    const { valid } = await hasher.verify(password, phc);
    verifyMs.push(now() - start);
    if (!valid) throw new Error('argon2id verification failed');
  }
  const params = /m=(\d+),t=(\d+),p=(\d+)/.exec(phc);
  const configured = { memoryKiB: Number(params?.[1]), iterations: Number(params?.[2]), parallelism: Number(params?.[3]) };
  const owasp = { memoryKiB: 19_456, iterations: 2, parallelism: 1 };
  const matches = configured.memoryKiB === owasp.memoryKiB && configured.iterations === owasp.iterations && configured.parallelism === owasp.parallelism;

  printTable(`argon2id (hash-wasm) at the configured parameters, median of ${runs}`, [
    {
      parameters: `m=${configured.memoryKiB} KiB, t=${configured.iterations}, p=${configured.parallelism}`,
      'OWASP minimum (m=19456, t=2, p=1)': matches ? 'exactly' : 'DIFFERENT',
      'hash p50 ms': median(hashMs),
      'hash p90 ms': percentile(hashMs, 90),
      'verify p50 ms': median(verifyMs),
      'verify p90 ms': percentile(verifyMs, 90),
      'verifications/s per core': 1000 / median(verifyMs),
    },
  ]);
  if (OWASP_ARGON2ID.memoryKiB !== owasp.memoryKiB) note('lib/passwords/password-hasher.ts no longer uses the OWASP parameters.');

  const seconds = quick ? 3 : 5;
  const stack = await startStackProcess();
  const results: Row[] = [];
  try {
    const account = await register(stack.url, `login-bench-${Date.now()}@example.com`);
    const request = loginRequest(account.identifier);
    const options = { url: `${stack.url}/api/login`, method: 'POST' as const, headers: request.headers as Record<string, string>, body: request.body as string };
    await autocannon({ ...options, connections: 2, duration: 1 });
    for (const connections of [1, 2, 4]) {
      const result = await autocannon({ ...options, connections, duration: seconds });
      results.push({
        concurrency: connections,
        'logins/s': result.requests.total / seconds,
        'p50 ms': result.latency.p50,
        'p99 ms': result.latency.p99,
        logins: result.requests.total,
        'non-2xx or errors': result.non2xx + result.errors + result.timeouts,
      });
    }
  } finally {
    await stack.stop();
  }
  printTable(`Logins/s through the HTTP API of the embedded stack (${seconds} s each)`, results);
  note(
    'hash-wasm runs argon2id synchronously on the event loop: the embedded stack (one Node process) serves logins\n' +
      'one at a time on one core, whatever the concurrency. On Lambda each concurrent login has its own instance.',
  );
  return {
    parameters: configured,
    matchesOwasp: matches,
    hashMsP50: median(hashMs),
    verifyMsP50: median(verifyMs),
    http: results,
  };
}
