import { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_S3_CREDENTIALS, LOCAL_S3_REGION } from '#local/local-s3';

/** What S3 answered: the status and, for an error, the `<Code>` and `<Message>` of its XML body. */
export interface S3Answer {
  readonly status: number;
  readonly code?: string;
  readonly message?: string;
  readonly body: string;
}

export async function s3Answer(response: Response): Promise<S3Answer> {
  const body = await response.text();
  const element = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
  return { status: response.status, code: element('Code'), message: element('Message')?.replace(/&quot;/g, '"'), body };
}

/** Posts a browser form upload: the fields in order, then the file, as S3 requires. */
export async function postUploadForm(url: string, fields: Record<string, string>, file: Uint8Array, filename = 'upload.png'): Promise<S3Answer> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file]), filename);
  return s3Answer(await fetch(url, { method: 'POST', body: form }));
}

/** A client with the local S3's own key pair, as the functions have it: what an attacker never has. */
export const localS3Client = (endpoint: string) =>
  new S3Client({
    endpoint,
    region: LOCAL_S3_REGION,
    credentials: LOCAL_S3_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
