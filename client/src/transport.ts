/** An HTTP answer, read whole: status, headers and body text. */
export interface Answer {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly text: string;
}

export interface SendOptions {
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Blob | FormData | Uint8Array | URLSearchParams;
  /** Upload progress, 0 to 1. Reported as it happens where XMLHttpRequest exists (browsers), else at the end. */
  readonly onProgress?: (fraction: number, loaded: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

interface Xhr {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getResponseHeader(name: string): string | null;
  send(body?: unknown): void;
  abort(): void;
  status: number;
  responseText: string;
  upload: {
    onprogress: ((event: { loaded: number; total: number; lengthComputable: boolean }) => void) | null;
    onload: ((event: { loaded: number; total: number }) => void) | null;
  };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

/**
 * fetch() for everything, except uploads that ask for progress in a browser: fetch() reports no upload
 * progress, XMLHttpRequest's `upload.onprogress` does.
 */
export function send(fetchImpl: FetchLike, url: string, options: SendOptions): Promise<Answer> {
  const Request = (globalThis as { XMLHttpRequest?: new () => Xhr }).XMLHttpRequest;
  if (options.onProgress && Request) return sendWithXhr(Request, url, options);
  return fetchImpl(url, { method: options.method, headers: options.headers, body: options.body as BodyInit | undefined, signal: options.signal }).then(
    async (response) => {
      const text = await response.text();
      if (options.onProgress) options.onProgress(1, 1, 1);
      return { status: response.status, headers: response.headers, text };
    },
  );
}

function sendWithXhr(Request: new () => Xhr, url: string, options: SendOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const xhr = new Request();
    xhr.open(options.method, url);
    for (const [name, value] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(event.total ? event.loaded / event.total : 1, event.loaded, event.total);
    };
    // A small body may be sent in one go, with no progress event before the upload's own `load`: report the end.
    xhr.upload.onload = (event) => options.onProgress?.(1, event.loaded, event.total);
    xhr.onload = () => resolve({ status: xhr.status, headers: { get: (name) => xhr.getResponseHeader(name) }, text: xhr.responseText });
    xhr.onerror = () => reject(new TypeError(`network error: ${options.method} ${url}`));
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(options.body);
  });
}
