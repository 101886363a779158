import type { IncomingMessage, ServerResponse } from 'node:http';
import { S3Error } from './s3-error';

/**
 * Test faults for the local S3 (only with LOCAL_S3_FAULTS=on, never by default): `POST /_local/faults` with `{"method":"GET","queryParam":"list-type"}` makes every
 * matching request fail (ListObjectsV2, here) until `{"clear":true}` is posted. `_local` can never be a bucket
 * (bucket names hold no `_`: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html), so the
 * path cannot shadow an S3 request. A failing request gets S3's own `500 InternalError`
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), which the SDK retries and then throws:
 * an S3 outage as the functions would meet it on AWS.
 */
export const S3_FAULTS_PATH = '/_local/faults';

export interface S3FaultRule {
  readonly method?: string;
  /** A query parameter the request carries (`list-type` for ListObjectsV2, `delete` for DeleteObjects). */
  readonly queryParam?: string;
  /** A prefix of the request's path (`/<bucket>/<key prefix>`). */
  readonly pathPrefix?: string;
}

export function s3Faults() {
  let rules: S3FaultRule[] = [];
  return {
    /** Answers a control request; false when the path is not the control path. */
    async control(req: IncomingMessage, res: ServerResponse, path: string, readBody: () => Promise<Buffer>): Promise<boolean> {
      if (path !== S3_FAULTS_PATH) return false;
      const body = JSON.parse((await readBody()).toString() || '{}') as S3FaultRule & { clear?: boolean };
      if (body.clear) rules = [];
      else rules.push({ method: body.method, queryParam: body.queryParam, pathPrefix: body.pathPrefix });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rules }));
      return true;
    },
    /** Throws S3's InternalError for a request a rule matches. */
    check(method: string, path: string, query: Record<string, string>): void {
      const hit = rules.some(
        (rule) =>
          (rule.method === undefined || rule.method === method) &&
          (rule.queryParam === undefined || Object.hasOwn(query, rule.queryParam)) &&
          (rule.pathPrefix === undefined || path.startsWith(rule.pathPrefix)),
      );
      if (hit) throw new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
    },
  };
}
