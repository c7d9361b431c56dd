import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';
import { t } from '../i18n';

export function errorMessage(error: ApiError): string {
  if (error.status === 0) {
    return error.code === 'network_error' ? t.errors.network : t.errors.generic;
  }
  switch (error.status) {
    case 400:
      return t.errors.validation;
    case 401:
      return t.errors.unauthenticated;
    case 403:
      return error.code === 'break_glass_read_only' ? t.errors.readOnly : t.errors.forbidden;
    case 404:
      return t.errors.notFound;
    case 409:
      return t.errors.conflict;
    case 413:
      return t.errors.tooLarge;
    case 415:
      return t.errors.unsupported;
    case 428:
      return t.errors.precondition;
    case 429:
      return t.errors.rateLimited(error.retryAfterSeconds);
    case 503:
      return t.errors.unavailable;
    default:
      return error.status >= 500 ? t.errors.server : t.errors.generic;
  }
}

interface NoticeProps {
  kind: 'info' | 'success' | 'warning' | 'error';
  children: ReactNode;
}

export function Notice({ kind, children }: NoticeProps) {
  const role = kind === 'error' || kind === 'warning' ? 'alert' : 'status';
  return (
    <div className={`notice notice--${kind}`} role={role}>
      {children}
    </div>
  );
}

interface ErrorNoticeProps {
  error: ApiError;
  /** Field problems the form could not attach to an input. */
  details?: string[];
  onRetry?: () => void;
}

export function ErrorNotice({ error, details = [], onRetry }: ErrorNoticeProps) {
  return (
    <Notice kind="error">
      <p>{errorMessage(error)}</p>
      {details.length > 0 && (
        <ul className="notice__details">
          {details.map((detail) => (
            <li key={detail}>{detail}</li>
          ))}
        </ul>
      )}
      {error.requestId && <p className="notice__meta">{t.common.requestId(error.requestId)}</p>}
      {onRetry && (
        <button type="button" className="button button--small" onClick={onRetry}>
          {t.common.reload}
        </button>
      )}
    </Notice>
  );
}

export function Loading() {
  return (
    <p className="loading" role="status">
      {t.common.loading}
    </p>
  );
}
