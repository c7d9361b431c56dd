import { useState } from 'react';
import { asApiError, type ApiError } from '../api/client';
import { listStaff, resetStaffMfa, revokeStaffSessions, unlockStaff } from '../api/staff';
import type { StaffMember } from '../api/types';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { StaffRow, type StaffAction } from '../components/staff/StaffRow';
import { useResource } from '../hooks/useResource';
import { t } from '../i18n';
import { useSession } from '../session';

const run: Record<StaffAction, (id: string) => Promise<void>> = {
  resetMfa: resetStaffMfa,
  unlock: unlockStaff,
  revokeSessions: revokeStaffSessions,
};

const doneText: Record<StaffAction, (name: string) => string> = {
  resetMfa: t.staff.resetMfaDone,
  unlock: t.staff.unlockDone,
  revokeSessions: t.staff.revokeAllDone,
};

/** スタッフ管理 (admins): MFA reset, unlock and revoke-all, each audited by the server. */
export function StaffPage() {
  const { me, logout } = useSession();
  if (me.role !== 'admin') {
    return (
      <main className="page">
        <Notice kind="error">{t.staff.forbidden}</Notice>
      </main>
    );
  }
  return <StaffList meId={me.id} logout={logout} />;
}

function StaffList({ meId, logout }: { meId: string; logout: (notice?: string) => void }) {
  const staff = useResource('staff', listStaff);
  const [done, setDone] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const s = t.staff;

  async function act(member: StaffMember, action: StaffAction) {
    setDone(null);
    setFailure(null);
    try {
      await run[action](member.id);
    } catch (err) {
      setFailure(asApiError(err));
      return;
    }
    // Resetting one's own MFA or sessions ends this session too.
    if (member.id === meId && action !== 'unlock') {
      logout(s.selfEnded);
      return;
    }
    setDone(doneText[action](member.displayName));
    staff.reload();
  }

  const items = staff.data ?? [];
  return (
    <main className="page" data-testid="staff">
      <div className="page__head">
        <h1>{s.title}</h1>
      </div>
      <p className="muted lead">{s.lead}</p>
      {done && <Notice kind="success">{done}</Notice>}
      {failure && <ErrorNotice error={failure} />}
      <section className="card card--flush" aria-label={s.title}>
        {staff.loading && !staff.data && <Loading />}
        {staff.error && <ErrorNotice error={staff.error} onRetry={staff.reload} />}
        {staff.data && items.length === 0 && <p className="empty">{s.empty}</p>}
        {items.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{s.name}</th>
                  <th scope="col">{s.role}</th>
                  <th scope="col">{s.state}</th>
                  <th scope="col">{s.actions}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((member) => (
                  <StaffRow
                    key={member.id}
                    member={member}
                    isSelf={member.id === meId}
                    onAction={(action) => act(member, action)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </main>
  );
}
