import { recordingFetch } from './contract-recorder';

/**
 * Small fetch helpers for the end-to-end tests: every response is read whole, with its JSON if any, and
 * recorded for the contract check, which validates it against docs/openapi.yaml.
 */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions inspect arbitrary shapes
}

export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await recordingFetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

export const postForm = (url: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  call(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
