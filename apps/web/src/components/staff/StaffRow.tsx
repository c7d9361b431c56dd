import { useState } from 'react';
import type { StaffChange, StaffMember, StaffRole } from '../../api/types';
import { t } from '../../i18n';
import { STAFF_ROLES } from '../../lib/roles';
import { ConfirmAction } from '../ConfirmAction';

export type StaffAction = 'resetMfa' | 'unlock' | 'revokeSessions';

interface StaffRowProps {
  member: StaffMember;
  isSelf: boolean;
  onAction: (action: StaffAction) => Promise<void>;
  onChange: (change: StaffChange) => Promise<void>;
}

interface RoleControlProps {
  member: StaffMember;
  disabled: boolean;
  onChange: (role: StaffRole) => Promise<void>;
}

/** The role, changed only after a confirmation: a new role ends the member's sessions. */
function RoleControl({ member, disabled, onChange }: RoleControlProps) {
  const [pending, setPending] = useState<StaffRole | null>(null);
  const [running, setRunning] = useState(false);
  const s = t.staff;
  const name = member.displayName;

  function confirm(role: StaffRole) {
    setRunning(true);
    const done = () => {
      setRunning(false);
      setPending(null);
    };
    onChange(role).then(done, done);
  }

  return (
    <div className="role-control">
      <select
        aria-label={s.roleOf(name)}
        data-testid="staff-role"
        value={pending ?? member.role}
        disabled={disabled || running}
        onChange={(event) => {
          const role = STAFF_ROLES.find((r) => r === event.target.value);
          setPending(role === undefined || role === member.role ? null : role);
        }}
      >
        {STAFF_ROLES.map((role) => (
          <option key={role} value={role}>
            {t.roles[role]}
          </option>
        ))}
      </select>
      {pending !== null && (
        <div className="confirm" role="group" aria-label={s.roleOf(name)}>
          <p className="confirm__question">
            {s.roleQuestion(name, t.roles[member.role], t.roles[pending])}
          </p>
          <div className="confirm__buttons">
            <button
              type="button"
              className="button button--danger button--small"
              data-testid="staff-role-confirm"
              disabled={running}
              onClick={() => {
                confirm(pending);
              }}
            >
              {s.roleConfirm}
            </button>
            <button
              type="button"
              className="button button--ghost button--small"
              disabled={running}
              onClick={() => {
                setPending(null);
              }}
            >
              {t.common.cancel}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

export function StaffRow({ member, isSelf, onAction, onChange }: StaffRowProps) {
  const s = t.staff;
  const name = member.displayName;
  const active = member.status === 'active';
  return (
    <tr data-testid="staff-row" data-email={member.email} data-status={member.status}>
      <td>
        <span className="staff__name">{name}</span>
        {isSelf && <span className="badge">{s.you}</span>}
        <span className="staff__email">{member.email}</span>
      </td>
      <td>
        <RoleControl
          member={member}
          // Another admin must change an admin's own rights; the server refuses it too (403).
          disabled={isSelf}
          onChange={(role) => onChange({ role })}
        />
        {isSelf && <p className="field__hint">{s.selfLocked}</p>}
      </td>
      <td>
        <span className="staff__flags">
          <span
            className={`badge ${active ? 'badge--current' : 'badge--danger'}`}
            data-testid="staff-status"
          >
            {active ? s.active : s.deactivated}
          </span>
          <span
            className={`badge ${member.mfaEnrolled ? 'badge--current' : 'badge--warn'}`}
            data-testid="staff-mfa"
          >
            {member.mfaEnrolled ? s.mfaOn : s.mfaOff}
          </span>
          {member.locked && (
            <span className="badge badge--danger" data-testid="staff-locked">
              {s.locked}
            </span>
          )}
        </span>
      </td>
      <td>
        <div className="staff__actions">
          {active ? (
            <ConfirmAction
              label={s.deactivate}
              question={s.deactivateQuestion(name)}
              confirmLabel={s.deactivate}
              disabled={isSelf}
              testId="staff-deactivate"
              onConfirm={() => onChange({ status: 'deactivated' })}
            />
          ) : (
            <ConfirmAction
              label={s.activate}
              question={s.activateQuestion(name)}
              confirmLabel={s.activate}
              testId="staff-activate"
              onConfirm={() => onChange({ status: 'active' })}
            />
          )}
          <ConfirmAction
            label={s.resetMfa}
            question={s.resetMfaQuestion(name)}
            confirmLabel={s.resetMfaConfirm}
            disabled={!member.mfaEnrolled}
            testId="staff-reset-mfa"
            onConfirm={() => onAction('resetMfa')}
          />
          <ConfirmAction
            label={s.unlock}
            question={s.unlockQuestion(name)}
            confirmLabel={s.unlockConfirm}
            disabled={!member.locked}
            testId="staff-unlock"
            onConfirm={() => onAction('unlock')}
          />
          <ConfirmAction
            label={s.revokeAll}
            question={s.revokeAllQuestion(name)}
            confirmLabel={s.revokeAllConfirm}
            testId="staff-revoke-sessions"
            onConfirm={() => onAction('revokeSessions')}
          />
        </div>
      </td>
    </tr>
  );
}
