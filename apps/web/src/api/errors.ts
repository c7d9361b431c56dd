// The typed error every failed call becomes, parsed from the one error body shape of
// docs/api.md: {"error": {code, message, requestId, fields?: [{path, message}]}}.

export interface FieldIssue {
  /** JSON Pointer into the request body, e.g. "/insurance/insurerNumber". */
  path: string;
  message: string;
}

interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  requestId?: string | null;
  fields?: FieldIssue[];
  retryAfterSeconds?: number | null;
}

/** Any failed call. `status` 0 means the server was not reached. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly fields: FieldIssue[];
  readonly retryAfterSeconds: number | null;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.fields = init.fields ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }
}

export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError({ status: 0, code: 'client_error', message: String(err) });
}

export function isAbortError(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

function parseFields(value: unknown): FieldIssue[] {
  if (!Array.isArray(value)) return [];
  const fields: FieldIssue[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { path, message } = item as Record<string, unknown>;
    if (typeof path === 'string') {
      fields.push({ path, message: typeof message === 'string' ? message : '' });
    }
  }
  return fields;
}

function parseRetryAfter(res: Response): number | null {
  const header = res.headers.get('Retry-After');
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Proxies and gateways may answer with HTML; the status alone still says enough.
  }
  const error =
    typeof body === 'object' && body !== null && 'error' in body
      ? (body.error as Record<string, unknown> | null)
      : null;
  return new ApiError({
    status: res.status,
    code: typeof error?.code === 'string' ? error.code : `http_${res.status}`,
    message: typeof error?.message === 'string' ? error.message : res.statusText,
    requestId:
      typeof error?.requestId === 'string' ? error.requestId : res.headers.get('X-Request-Id'),
    fields: parseFields(error?.fields),
    retryAfterSeconds: parseRetryAfter(res),
  });
}
