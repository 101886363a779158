import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Event } from 'aws-lambda';
import S3rver from '@20minutes/s3rver';
import { hardenListing, removeUnfinishedObjects } from './s3rver-store';

export interface LocalS3 {
  readonly endpoint: string;
  close(): Promise<void>;
}

export type ObjectEventListener = (event: S3Event) => void;

export interface LocalS3Listen {
  /** The interface to listen on: 127.0.0.1 (the default) keeps it to this machine. */
  readonly host?: string;
  /** 0 (the default) picks a free port; a container publishes a fixed one. */
  readonly port?: number;
}

// What the direct-upload form needs: browsers POST from any origin (the CDK bucket has the same rule).
const CORS = `<CORSConfiguration><CORSRule>
  <AllowedOrigin>*</AllowedOrigin><AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod>
  <AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds>
</CORSRule></CORSConfiguration>`;

/**
 * s3rver (the maintained @20minutes fork) on a port of its own (loopback and free by default), persisted under `dir` or in a temp folder
 * removed on close. Its object events are close to S3's but not equal (keys not URL-encoded, version 2.0,
 * a malformed bucket ARN, events for every bucket), so they are rewritten into the real format first.
 * Like S3 itself it does not check signatures or presigned-POST conditions: consumers re-validate.
 * A process killed mid-PUT leaves a half-written object on disk; it is removed before serving
 * (local/s3rver-store.ts), so a restart on the same folder lists and serves as S3 would.
 */
export async function startLocalS3(dir: string | undefined, bucket: string, onEvent: ObjectEventListener, listen: LocalS3Listen = {}): Promise<LocalS3> {
  const host = listen.host ?? '127.0.0.1';
  const directory = dir ?? (await mkdtemp(join(tmpdir(), 'halo-s3-')));
  await mkdir(directory, { recursive: true });
  const unfinished = await removeUnfinishedObjects(join(directory, bucket));
  if (unfinished.length > 0) console.warn(`[s3] removed ${unfinished.length} object(s) whose upload never finished: ${unfinished.join(', ')}`);
  const server = new S3rver({
    address: host,
    port: listen.port ?? 0,
    silent: true,
    directory,
    allowMismatchedSignatures: true, // SDK v3 signs differently than s3rver expects; it would refuse otherwise
    configureBuckets: [{ name: bucket, configs: [CORS] }],
  });
  hardenListing(server.store);
  server.on('event', (raw: S3Event) => {
    const records = raw.Records.filter((record) => record.s3.bucket.name === bucket);
    if (records.length > 0) onEvent({ Records: records.map(toRealRecord) });
  });
  const { port } = await server.run();

  return {
    endpoint: `http://${reachableHost(host)}:${port}`,
    async close() {
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
