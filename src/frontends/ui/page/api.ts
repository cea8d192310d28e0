/** JSON POSTs to the server; the session cookie and the page's Origin go along by themselves. */
import type { ApiError } from './types.js';

export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.hint ? `${error.message} (${error.hint})` : error.message);
  }
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiFailure({ code: String(res.status), message: text.trim() || res.statusText });
  }
  const failed = (value as { error?: ApiError } | null)?.error;
  if (!res.ok || failed)
    throw new ApiFailure(failed ?? { code: String(res.status), message: res.statusText });
  return value as T;
}

export async function get<T>(path: string): Promise<T> {
  const res = await fetch(path);
  const value = (await res.json()) as T & { error?: ApiError };
  if (!res.ok) throw new ApiFailure(value.error ?? { code: String(res.status), message: res.statusText });
  return value;
}
