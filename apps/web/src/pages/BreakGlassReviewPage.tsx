import { useState } from 'react';
import { listBreakGlass, reviewBreakGlass } from '../api/breakGlass';
import { asApiError, type ApiError } from '../api/client';
import type { BreakGlassRecord } from '../api/types';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { useResource } from '../hooks/useResource';
import { t } from '../i18n';
import { formatDateTime } from '../lib/format';
import { useSession } from '../session';

/** Unreviewed grants first; within each group the newest first. */
function byReviewThenTime(a: BreakGlassRecord, b: BreakGlassRecord): number {
  const pending = Number(b.reviewedAt === null) - Number(a.reviewedAt === null);
  return pending !== 0 ? pending : Date.parse(b.startedAt) - Date.parse(a.startedAt);
}

type Outcome =
  | { kind: 'done'; text: string }
  | { kind: 'stale'; text: string }
  | { kind: 'failed'; error: ApiError };

interface RowProps {
  record: BreakGlassRecord;
  onReview: () => Promise<void>;
}

function GrantRow({ record, onReview }: RowProps) {
  const [running, setRunning] = useState(false);
  const r = t.breakGlassReview;
  const reviewed = record.reviewedAt !== null;

  function review() {
    setRunning(true);
    const done = () => {
      setRunning(false);
    };
    onReview().then(done, done);
  }

  return (
    <tr data-testid="break-glass-row" data-reviewed={reviewed || undefined}>
      <td className="staff__name nowrap">{record.staffName}</td>
      <td>
        <code className="code break-glass__patient" data-testid="break-glass-patient">
          {record.patientId}
        </code>
      </td>
      <td className="prose break-glass__reason">{record.reason}</td>
      <td className="nowrap">
        {formatDateTime(record.startedAt)}
        <br />〜 {formatDateTime(record.expiresAt)}
      </td>
      <td>
        {reviewed ? (
          <>
            <span className="badge badge--current">{r.reviewed}</span>
            <span className="staff__email">
              {r.reviewedAt(formatDateTime(record.reviewedAt ?? ''))}
            </span>
          </>
        ) : (
          <>
            <span className="badge badge--warn">{r.unreviewed}</span>
            <button
              type="button"
              className="button button--small break-glass__review"
              data-testid="break-glass-review"
              disabled={running}
              onClick={review}
            >
              {running ? r.reviewing : r.review}
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

/** 緊急アクセスの確認 (admins): every break-the-glass grant, with its reason, to be reviewed. */
export function BreakGlassReviewPage() {
  const { me } = useSession();
  if (me.role !== 'admin') {
    return (
      <main className="page">
        <Notice kind="error">{t.breakGlassReview.forbidden}</Notice>
      </main>
    );
  }
  return <GrantList />;
}

function GrantList() {
  const [unreviewedOnly, setUnreviewedOnly] = useState(false);
  const grants = useResource(`breakGlass:${String(unreviewedOnly)}`, (signal) =>
    listBreakGlass(unreviewedOnly, null, signal),
  );
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [more, setMore] = useState<{ loading: boolean; error: ApiError | null }>({
    loading: false,
    error: null,
  });
  const r = t.breakGlassReview;

  async function review(record: BreakGlassRecord) {
    setOutcome(null);
    try {
      await reviewBreakGlass(record.id);
    } catch (err) {
      const error = asApiError(err);
      // Another administrator was quicker: the list is simply out of date.
      setOutcome(
        error.status === 404
          ? { kind: 'stale', text: r.alreadyReviewed }
          : { kind: 'failed', error },
      );
      grants.reload();
      return;
    }
    const reviewedAt = new Date().toISOString();
    grants.update((page) => ({
      ...page,
      items: unreviewedOnly
        ? page.items.filter((item) => item.id !== record.id)
        : page.items.map((item) => (item.id === record.id ? { ...item, reviewedAt } : item)),
    }));
    setOutcome({ kind: 'done', text: r.reviewedDone(record.staffName) });
  }

  async function loadMore() {
    const cursor = grants.data?.nextCursor ?? null;
    if (cursor === null) return;
    setMore({ loading: true, error: null });
    try {
      const next = await listBreakGlass(unreviewedOnly, cursor);
      grants.update((page) => ({
        items: [...page.items, ...next.items.filter((i) => !page.items.some((p) => p.id === i.id))],
        nextCursor: next.nextCursor,
      }));
      setMore({ loading: false, error: null });
    } catch (err) {
      setMore({ loading: false, error: asApiError(err) });
    }
  }

  const items = [...(grants.data?.items ?? [])].sort(byReviewThenTime);
  const pending = items.filter((item) => item.reviewedAt === null).length;

  return (
    <main className="page" data-testid="break-glass-review-page">
      <div className="page__head">
        <h1>
          {r.title}
          {grants.data && <span className="page__subtitle">{r.unreviewedCount(pending)}</span>}
        </h1>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={unreviewedOnly}
            data-testid="break-glass-unreviewed-only"
            onChange={(event) => {
              setUnreviewedOnly(event.target.checked);
              setOutcome(null);
            }}
          />
          {r.unreviewedOnly}
        </label>
      </div>
      <p className="muted lead">{r.lead}</p>
      {outcome?.kind === 'done' && <Notice kind="success">{outcome.text}</Notice>}
      {outcome?.kind === 'stale' && <Notice kind="info">{outcome.text}</Notice>}
      {outcome?.kind === 'failed' && <ErrorNotice error={outcome.error} />}
      <section className="card card--flush" aria-label={r.title}>
        {grants.loading && !grants.data && <Loading />}
        {grants.error && <ErrorNotice error={grants.error} onRetry={grants.reload} />}
        {grants.data && items.length === 0 && (
          <p className="empty">{unreviewedOnly ? r.emptyUnreviewed : r.empty}</p>
        )}
        {items.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{r.staff}</th>
                  <th scope="col">{r.patientId}</th>
                  <th scope="col">{r.reason}</th>
                  <th scope="col">{r.period}</th>
                  <th scope="col">{r.status}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((record) => (
                  <GrantRow key={record.id} record={record} onReview={() => review(record)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="load-more">
          {more.error && <ErrorNotice error={more.error} onRetry={() => void loadMore()} />}
          {more.loading && <p className="loading">{t.common.loading}</p>}
          {!more.loading && (grants.data?.nextCursor ?? null) !== null && (
            <button
              type="button"
              className="button button--secondary"
              data-testid="break-glass-load-more"
              onClick={() => void loadMore()}
            >
              {t.common.loadMore}
            </button>
          )}
        </div>
      </section>
    </main>
  );
}
