// @20minutes/s3rver ships no types; this is the part of its API Halo uses.
declare module '@20minutes/s3rver' {
  import type { EventEmitter } from 'node:events';
  import type { AddressInfo } from 'node:net';
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }
  /** The file store behind the server (lib/stores/filesystem.js): local/s3rver-store.ts hardens its listing. */
  interface S3rverStore {
    listObjects(bucket: string, options: Record<string, unknown>): Promise<{ isTruncated: boolean }>;
  }
  export default class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    readonly store: S3rverStore;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
