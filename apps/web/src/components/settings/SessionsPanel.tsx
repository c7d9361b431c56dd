import { useState } from 'react';
import { listSessions, revokeAllSessions, revokeSession } from '../../api/auth';
import { asApiError, type ApiError } from '../../api/client';
import type { SessionInfo } from '../../api/types';
import { useResource } from '../../hooks/useResource';
import { t } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { useSession } from '../../session';
import { ConfirmAction } from '../ConfirmAction';
import { ErrorNotice, Loading, Notice } from '../Notice';

/** The server labels devices in English ("Chrome on Windows"); shown as 「Chrome（Windows）」. */
function deviceText(device: string): string {
  const d = t.sessions.deviceWords;
  const match = /^(.+) on (.+)$/.exec(device);
  if (!match?.[1] || !match[2]) return d[device] ?? device;
  return `${d[match[1]] ?? match[1]}（${d[match[2]] ?? match[2]}）`;
}

function SessionRow({
  session,
  onRevoke,
}: {
  session: SessionInfo;
  onRevoke: () => Promise<void>;
}) {
  const s = t.sessions;
  return (
    <tr data-testid="session-row" data-current={session.current || undefined}>
      <td>
        <span className="session__device">{deviceText(session.device)}</span>
        {session.current && <span className="badge badge--current">{s.current}</span>}
      </td>
      <td className="nowrap">{formatDateTime(session.createdAt)}</td>
      <td className="nowrap">{formatDateTime(session.lastUsedAt)}</td>
      <td>
        {/* This device leaves through ログアウト, which also clears its cookies. */}
        {!session.current && (
          <ConfirmAction
            label={s.revoke}
            question={s.revokeQuestion(deviceText(session.device))}
            confirmLabel={s.revokeConfirm}
            onConfirm={onRevoke}
            testId="session-revoke"
          />
        )}
      </td>
    </tr>
  );
}

/** The user's own sessions, one per device, with revoke and revoke-all. */
export function SessionsPanel({ version }: { version: number }) {
  const { logout } = useSession();
  const sessions = useResource(`sessions:${version}`, listSessions);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [revoked, setRevoked] = useState(false);
  const s = t.sessions;

  async function revoke(id: string) {
    setFailure(null);
    setRevoked(false);
    try {
      await revokeSession(id);
      setRevoked(true);
    } catch (err) {
      setFailure(asApiError(err));
    }
    sessions.reload();
  }

  async function revokeAll() {
    setFailure(null);
    try {
      await revokeAllSessions();
      // This session ended with the others; logging out clears its cookies and the screen.
      logout(t.session.allEnded);
    } catch (err) {
      setFailure(asApiError(err));
    }
  }

  const items = sessions.data ?? [];
  return (
    <section className="card card--flush" aria-labelledby="sessions-title">
      <div className="card__head">
        <div>
          <h2 className="card__title" id="sessions-title">
            {s.title}
          </h2>
          <p className="muted">{s.lead}</p>
        </div>
        <ConfirmAction
          label={s.revokeAll}
          question={s.revokeAllQuestion}
          confirmLabel={s.revokeAllConfirm}
          onConfirm={revokeAll}
          testId="sessions-revoke-all"
        />
      </div>
      {revoked && <Notice kind="success">{s.revoked}</Notice>}
      {failure && <ErrorNotice error={failure} />}
      {sessions.loading && !sessions.data && <Loading />}
      {sessions.error && <ErrorNotice error={sessions.error} onRetry={sessions.reload} />}
      {sessions.data && items.length === 0 && <p className="empty">{s.empty}</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{s.device}</th>
                <th scope="col">{s.createdAt}</th>
                <th scope="col">{s.lastUsedAt}</th>
                <th scope="col">
                  <span className="visually-hidden">{t.staff.actions}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((session) => (
                <SessionRow
                  key={session.id}
                  session={session}
                  onRevoke={() => revoke(session.id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
