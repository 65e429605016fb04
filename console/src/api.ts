/**
 * The console's only way to the platform: the admin API on the same origin, with the key the
 * operator entered as a bearer token. Errors keep the API's own code and message so the page can
 * show them as they are.
 */

export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
    /** The answer's body: some failures still carry the stored record (a command the CPO did not take). */
    readonly body?: unknown,
  ) {
    super(message);
  }

  /** The platform has no such admin endpoint (an older platform, or a feature not built yet). */
  get missingEndpoint(): boolean {
    return this.status === 404 && this.message.startsWith('No admin endpoint');
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface Page<T> {
  total: number;
  offset: number;
  limit: number;
  items: T[];
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class Api {
  /** Called when the key is refused, so the app can send the operator back to the login. */
  onUnauthorized: () => void = () => undefined;

  constructor(private readonly key: string) {}

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.call<T>('GET', path + queryString(query), undefined, signal);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  private async call<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.key}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`/admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, credentials: 'omit' });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new ApiError(0, 'network', 'The platform cannot be reached (network error); retrying.');
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; fields?: FieldProblem[] } } | undefined)?.error;
      if (res.status === 401) this.onUnauthorized();
      throw new ApiError(res.status, error?.code ?? `http_${res.status}`, error?.message ?? `${method} ${path} failed with HTTP ${res.status}`, error?.fields ?? [], parsed);
    }
    return parsed as T;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function queryString(query?: Query): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** The path of a local party in the admin API. */
export const partyPath = (cc: string, pid: string) => `/parties/${encodeURIComponent(cc)}/${encodeURIComponent(pid)}`;

export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    const fields = e.fields.length && !e.message.includes(e.fields[0].path) ? ` (${e.fields.map((f) => `${f.path}: ${f.message}`).join('; ')})` : '';
    return `${e.message}${fields}${e.status ? ` [${e.status} ${e.code}]` : ''}`;
  }
  return (e as Error)?.message ?? String(e);
}
