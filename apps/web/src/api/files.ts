// Patient files (docs/api.md "Files"): uploaded into quarantine, released only once clamd calls
// them clean, downloaded through short-lived signed URLs.
import { ApiError, bearerForUpload, requestJson, withQuery } from './client';
import type { SignedUrl } from './prescriptions';
import type { Page } from './types';

export const FILE_CATEGORIES = [
  'referral',
  'lab_result',
  'imaging',
  'insurance_card',
  'consent',
  'other',
] as const;
export type FileCategory = (typeof FILE_CATEGORIES)[number];

export interface StoredFile {
  id: string;
  patientId: string;
  category: FileCategory;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  status: 'quarantined' | 'clean' | 'infected';
  uploadedAt: string;
  scannedAt: string | null;
}

export function listFiles(
  patientId: string,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<StoredFile>> {
  const path = `/api/v1/patients/${encodeURIComponent(patientId)}/files`;
  return requestJson(withQuery(path, { limit: 20, cursor }), { signal });
}

export function getFile(id: string, signal?: AbortSignal): Promise<StoredFile> {
  return requestJson(`/api/v1/files/${encodeURIComponent(id)}`, { signal });
}

/** Only for clean files: 409 `file_not_clean` otherwise. */
export function fileDownloadUrl(id: string): Promise<SignedUrl> {
  return requestJson(`/api/v1/files/${encodeURIComponent(id)}/download-url`);
}

export interface UploadRequest {
  patientId: string;
  category: FileCategory;
  file: File;
  /** Bytes sent so far and the total, as the browser reports them. */
  onProgress: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

function errorOf(xhr: XMLHttpRequest): ApiError {
  let body: unknown = null;
  try {
    body = JSON.parse(xhr.responseText) as unknown;
  } catch {
    // A proxy's HTML page: the status still says enough.
  }
  const error =
    typeof body === 'object' && body !== null && 'error' in body
      ? (body.error as Record<string, unknown> | null)
      : null;
  return new ApiError({
    status: xhr.status,
    code: typeof error?.code === 'string' ? error.code : `http_${xhr.status}`,
    message: typeof error?.message === 'string' ? error.message : xhr.statusText,
    requestId: typeof error?.requestId === 'string' ? error.requestId : null,
  });
}

function sendOnce(request: UploadRequest, authorization: string): Promise<XMLHttpRequest> {
  // The server checks access from the fields before it stores a byte: they go first.
  const form = new FormData();
  form.append('patientId', request.patientId);
  form.append('category', request.category);
  form.append('file', request.file, request.file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/files/upload');
    xhr.setRequestHeader('Authorization', authorization);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) request.onProgress(event.loaded, event.total);
    };
    xhr.onload = () => {
      resolve(xhr);
    };
    xhr.onerror = () => {
      reject(new ApiError({ status: 0, code: 'network_error', message: 'upload failed' }));
    };
    xhr.onabort = () => {
      reject(new DOMException('upload aborted', 'AbortError'));
    };
    request.signal?.addEventListener('abort', () => {
      xhr.abort();
    });
    xhr.send(form);
  });
}

/**
 * POST /files/upload through XMLHttpRequest: fetch reports no upload progress. A 401 (token
 * expired on the way) gets one refresh and one retry, like every other call.
 */
export async function uploadFile(request: UploadRequest): Promise<StoredFile> {
  let xhr = await sendOnce(request, await bearerForUpload());
  if (xhr.status === 401) xhr = await sendOnce(request, await bearerForUpload(true));
  if (xhr.status !== 201) throw errorOf(xhr);
  return JSON.parse(xhr.responseText) as StoredFile;
}
