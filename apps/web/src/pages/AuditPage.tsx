import { useMemo, useState } from 'react';
import { listAudit } from '../api/audit';
import type { ApiError } from '../api/client';
import { listStaff } from '../api/staff';
import type { AuditQuery } from '../api/types';
import { AuditFilters } from '../components/audit/AuditFilters';
import { AuditTable } from '../components/audit/AuditTable';
import { VerifyPanel } from '../components/audit/VerifyPanel';
import { LoadMore } from '../components/LoadMore';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import type { FieldErrors } from '../hooks/useFieldErrors';
import { usePagedList } from '../hooks/usePagedList';
import { useResource } from '../hooks/useResource';
import { t } from '../i18n';
import {
  EMPTY_DRAFT,
  filterMessage,
  filterPath,
  recallDraft,
  toAuditQuery,
} from '../lib/auditQuery';
import { useSession } from '../session';

/** The inputs of the filter form; a refused field not among them goes to the error notice. */
const FILTER_PATHS = new Set(Object.keys(t.audit.invalid));

/** The search the admin last ran in this session, or everything, newest first. */
function initialQuery(): AuditQuery {
  const result = toAuditQuery(recallDraft());
  return result.ok ? result.query : { limit: EMPTY_DRAFT.limit };
}

interface Refusal {
  fields: FieldErrors;
  stray: string[];
}

/** Splits a 400's field problems between the inputs they belong to and the notice. */
function refusalOf(error: ApiError | null): Refusal {
  const refusal: Refusal = { fields: {}, stray: [] };
  if (error?.status !== 400) return refusal;
  for (const field of error.fields) {
    const path = filterPath(field.path);
    if (FILTER_PATHS.has(path)) refusal.fields[path] ??= filterMessage(path, field.message);
    else refusal.stray.push(`${field.path}: ${field.message || t.errors.validation}`);
  }
  return refusal;
}

/** 監査ログ (admins): the clinic's audit trail with filters, and a check of its hash chain. */
export function AuditPage() {
  const { me } = useSession();
  if (me.role !== 'admin') {
    return (
      <main className="page">
        <Notice kind="error">{t.audit.forbidden}</Notice>
      </main>
    );
  }
  return <AuditViewer />;
}

function AuditViewer() {
  const [query, setQuery] = useState<AuditQuery>(initialQuery);
  const key = JSON.stringify(query);
  const events = usePagedList(`audit:${key}`, (cursor, signal) => listAudit(query, cursor, signal));
  const staff = useResource('staff', listStaff);
  const names = useMemo(
    () => new Map((staff.data ?? []).map((member) => [member.id, member.displayName])),
    [staff.data],
  );
  const refusal = refusalOf(events.error);
  const a = t.audit;

  function search(next: AuditQuery) {
    // The same filters again still mean "look again": new events may have arrived.
    if (JSON.stringify(next) === key) events.reload();
    else setQuery(next);
  }

  return (
    <main className="page page--wide" data-testid="audit-page">
      <div className="page__head">
        <h1>{a.title}</h1>
      </div>
      <p className="muted lead">{a.lead}</p>
      <VerifyPanel />
      <AuditFilters
        staff={staff.data}
        staffFailed={staff.error !== null}
        serverErrors={refusal.fields}
        onSearch={search}
      />
      <section className="card card--flush" aria-label={a.results} aria-busy={events.loading}>
        <h2 className="card__title card__title--padded">
          {a.results}
          {events.loaded && (
            <span className="page__subtitle" data-testid="audit-count">
              {a.shown(events.items.length)}
            </span>
          )}
        </h2>
        {!events.loaded && events.loading && <Loading />}
        {!events.loaded && events.error && (
          <ErrorNotice error={events.error} details={refusal.stray} onRetry={events.reload} />
        )}
        {events.loaded && events.items.length === 0 && (
          <p className="empty" data-testid="audit-empty">
            {a.empty}
          </p>
        )}
        {events.items.length > 0 && <AuditTable events={events.items} names={names} />}
        <LoadMore list={events} testId="audit-more" />
      </section>
    </main>
  );
}
