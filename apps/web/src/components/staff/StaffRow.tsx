import type { StaffMember } from '../../api/types';
import { t } from '../../i18n';
import { ConfirmAction } from '../ConfirmAction';

export type StaffAction = 'resetMfa' | 'unlock' | 'revokeSessions';

interface StaffRowProps {
  member: StaffMember;
  isSelf: boolean;
  onAction: (action: StaffAction) => Promise<void>;
}

export function StaffRow({ member, isSelf, onAction }: StaffRowProps) {
  const s = t.staff;
  const name = member.displayName;
  return (
    <tr data-testid="staff-row" data-email={member.email}>
      <td>
        <span className="staff__name">{name}</span>
        {isSelf && <span className="badge">{s.you}</span>}
        <span className="staff__email">{member.email}</span>
      </td>
      <td className="nowrap">{t.roles[member.role]}</td>
      <td>
        <span className="staff__flags">
          {member.status === 'deactivated' && <span className="badge">{s.deactivated}</span>}
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
