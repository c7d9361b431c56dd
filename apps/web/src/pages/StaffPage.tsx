import { useState } from 'react';
import { asApiError, type ApiError } from '../api/client';
import {
  listStaff,
  resetStaffMfa,
  revokeStaffSessions,
  unlockStaff,
  updateStaff,
} from '../api/staff';
import type { StaffChange, StaffMember } from '../api/types';
import { CredentialHandover } from '../components/CredentialHandover';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { InviteForm } from '../components/staff/InviteForm';
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

/** What each action changes in the row, so the row and the notice change together. */
const effect: Record<StaffAction, (member: StaffMember) => StaffMember> = {
  resetMfa: (member) => ({ ...member, mfaEnrolled: false }),
  unlock: (member) => ({ ...member, locked: false }),
  revokeSessions: (member) => member,
};

function changeText(member: StaffMember, change: StaffChange): string {
  const s = t.staff;
  if ('role' in change) return s.roleDone(member.displayName, t.roles[member.role]);
  return member.status === 'active'
    ? s.activateDone(member.displayName)
    : s.deactivateDone(member.displayName);
}

/** The refusals of PATCH /staff/{id} that have their own words; others get the generic notice. */
function changeRefusal(error: ApiError): string | null {
  if (error.code === 'last_admin') return t.staff.lastAdmin;
  if (error.status === 403) return t.staff.selfChange;
  return null;
}

type Outcome =
  | { kind: 'done'; text: string }
  | { kind: 'refused'; text: string }
  | { kind: 'failed'; error: ApiError };

interface Handover {
  email: string;
  temporaryPassword: string;
}

/** スタッフ管理 (admins): invitations, roles, deactivation, MFA reset, unlock, revoke-all. */
export function StaffPage() {
  const { me, logout } = useSession();
  if (me.role !== 'admin') {
    return (
      <main className="page">
        <Notice kind="error">{t.staff.forbidden}</Notice>
      </main>
    );
  }
  return <StaffList meId={me.id} tenantCode={me.tenant.code} logout={logout} />;
}

interface StaffListProps {
  meId: string;
  tenantCode: string;
  logout: (notice?: string) => void;
}

function StaffList({ meId, tenantCode, logout }: StaffListProps) {
  const staff = useResource('staff', listStaff);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [inviting, setInviting] = useState(false);
  const [handover, setHandover] = useState<Handover | null>(null);
  const s = t.staff;

  function replace(member: StaffMember) {
    staff.update((items) => items.map((item) => (item.id === member.id ? member : item)));
  }

  async function act(member: StaffMember, action: StaffAction) {
    setOutcome(null);
    try {
      await run[action](member.id);
    } catch (err) {
      setOutcome({ kind: 'failed', error: asApiError(err) });
      return;
    }
    // Resetting one's own MFA or sessions ends this session too.
    if (member.id === meId && action !== 'unlock') {
      logout(s.selfEnded);
      return;
    }
    replace(effect[action](member));
    setOutcome({ kind: 'done', text: doneText[action](member.displayName) });
    staff.reload();
  }

  async function change(member: StaffMember, staffChange: StaffChange) {
    setOutcome(null);
    let updated: StaffMember;
    try {
      updated = await updateStaff(member.id, staffChange);
    } catch (err) {
      const error = asApiError(err);
      const refusal = changeRefusal(error);
      setOutcome(refusal ? { kind: 'refused', text: refusal } : { kind: 'failed', error });
      return;
    }
    replace(updated);
    setOutcome({ kind: 'done', text: changeText(updated, staffChange) });
  }

  const items = staff.data ?? [];
  return (
    <main className="page" data-testid="staff">
      <div className="page__head">
        <h1>{s.title}</h1>
        {!inviting && !handover && (
          <button
            type="button"
            className="button"
            data-testid="staff-invite"
            onClick={() => {
              setInviting(true);
              setOutcome(null);
            }}
          >
            ＋ {t.staffInvite.open}
          </button>
        )}
      </div>
      <p className="muted lead">{s.lead}</p>
      {inviting && (
        <InviteForm
          onCreated={(member, temporaryPassword) => {
            setInviting(false);
            setHandover({ email: member.email, temporaryPassword });
            staff.update((list) => [...list.filter((item) => item.id !== member.id), member]);
            setOutcome({ kind: 'done', text: t.staffInvite.created(member.displayName) });
            staff.reload();
          }}
          onCancel={() => {
            setInviting(false);
          }}
        />
      )}
      {outcome?.kind === 'done' && <Notice kind="success">{outcome.text}</Notice>}
      {outcome?.kind === 'refused' && <Notice kind="error">{outcome.text}</Notice>}
      {outcome?.kind === 'failed' && <ErrorNotice error={outcome.error} />}
      {handover && (
        <CredentialHandover
          tenantCode={tenantCode}
          email={handover.email}
          temporaryPassword={handover.temporaryPassword}
          testId="staff-handover"
          onClose={() => {
            setHandover(null);
          }}
        />
      )}
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
                    onChange={(staffChange) => change(member, staffChange)}
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
