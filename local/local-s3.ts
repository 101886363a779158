import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Event } from 'aws-lambda';
import S3rver from '@20minutes/s3rver';
import { startVerifyingFront } from './s3-auth/verifying-front';
import { hardenListing, removeUnfinishedObjects } from './s3rver-store';

export interface LocalS3 {
  /** Where clients reach it: the checking front. */
  readonly endpoint: string;
  /** s3rver itself, behind the checks (loopback): for tools that attribute work to it, never for clients. */
  readonly storeEndpoint: string;
  close(): Promise<void>;
}

export type ObjectEventListener = (event: S3Event) => void;

/** The only key pair the local S3 knows (local/embedded-stack.ts gives it to the functions). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_S3_REGION = 'us-east-1';

export interface LocalS3Options {
  /**
   * Tests only: `false` lets every request through unchecked (as a publicly writable bucket would), to prove
   * that the functions refuse what a misconfigured bucket lets in. Default `true`.
   */
  readonly checks?: boolean;
  /** Tests only: accept injected failures at `POST /_local/faults` (local/s3-auth/faults.ts). Default `false`. */
  readonly faults?: boolean;
  /**
   * Where the checking front listens (default 127.0.0.1). s3rver itself always stays on loopback, so
   * whatever is reachable from the network is checked.
   */
  readonly host?: string;
  /** The checking front's port: 0 (the default) picks a free one; a container publishes a fixed one. */
  readonly port?: number;
}

// What the direct-upload form needs: browsers POST from any origin (the CDK bucket has the same rule).
const CORS = `<CORSConfiguration><CORSRule>
  <AllowedOrigin>*</AllowedOrigin><AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod>
  <AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds>
</CORSRule></CORSConfiguration>`;

/**
 * The local S3: s3rver (the maintained @20minutes fork), persisted under `dir` or in a temp folder removed on
 * close, behind a front (local/s3-auth/) that checks every request as S3 checks those to a private bucket:
 * SigV4 signatures (header-signed and presigned URLs, with their expiry), browser form uploads against their
 * signed POST policy, and no anonymous access. s3rver itself listens on a loopback port of its own and checks
 * none of it (`allowMismatchedSignatures`). Its object events are close to S3's but not equal (keys not
 * URL-encoded, version 2.0, a malformed bucket ARN, events for every bucket), so they are rewritten into the
 * real format first. A process killed mid-PUT leaves a half-written object on disk; it is removed before
 * serving (local/s3rver-store.ts), so a restart on the same folder lists and serves as S3 would.
 */
export async function startLocalS3(dir: string | undefined, bucket: string, onEvent: ObjectEventListener, options: LocalS3Options = {}): Promise<LocalS3> {
  const directory = dir ?? (await mkdtemp(join(tmpdir(), 'halo-s3-')));
  await mkdir(directory, { recursive: true });
  const unfinished = await removeUnfinishedObjects(join(directory, bucket));
  if (unfinished.length > 0) console.warn(`[s3] removed ${unfinished.length} object(s) whose upload never finished: ${unfinished.join(', ')}`);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    allowMismatchedSignatures: true, // the front checks signatures (s3rver's own check refuses SDK v3's)
    configureBuckets: [{ name: bucket, configs: [CORS] }],
  });
  hardenListing(server.store);
  server.on('event', (raw: S3Event) => {
    const records = raw.Records.filter((record) => record.s3.bucket.name === bucket);
    if (records.length > 0) onEvent({ Records: records.map(toRealRecord) });
  });
  const { port: upstreamPort } = await server.run();
  const host = options.host ?? '127.0.0.1';
  const front = await startVerifyingFront({
    host,
    port: options.port,
    upstreamPort,
    settings: { credentials: { [LOCAL_S3_CREDENTIALS.accessKeyId]: LOCAL_S3_CREDENTIALS.secretAccessKey }, region: LOCAL_S3_REGION },
    checks: options.checks ?? true,
    faults: options.faults ?? false,
  });

  return {
    endpoint: `http://${reachableHost(host)}:${front.port}`,
    storeEndpoint: `http://127.0.0.1:${upstreamPort}`,
    async close() {
      front.server.closeAllConnections();
      await new Promise((resolve) => front.server.close(resolve));
      await server.close();
      if (!dir) await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Where this process reaches a server listening on `host`: loopback for the wildcard addresses. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** S3 URL-encodes keys in events as a form would (`+` for spaces) but keeps `/`. */
export const encodeEventKey = (key: string) => encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');

function toRealRecord(record: S3Event['Records'][number]): S3Event['Records'][number] {
  return {
    ...record,
    eventVersion: '2.1',
    s3: {
      ...record.s3,
      bucket: { ...record.s3.bucket, arn: `arn:aws:s3:::${record.s3.bucket.name}` },
      object: { ...record.s3.object, key: encodeEventKey(record.s3.object.key) },
    },
  };
}
