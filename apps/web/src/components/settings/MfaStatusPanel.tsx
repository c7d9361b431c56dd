import { getMe } from '../../api/auth';
import type { Role } from '../../api/types';
import { useResource } from '../../hooks/useResource';
import { t } from '../../i18n';
import { useSession } from '../../session';

/** Only doctors and admins must enroll (docs/api.md "Auth"). */
function mfaRequired(role: Role): boolean {
  return role === 'doctor' || role === 'admin';
}

/** Read fresh from /me: an admin may have reset it since this session began. */
export function MfaStatusPanel() {
  const { me: atLogin } = useSession();
  const fresh = useResource('me', getMe);
  const me = fresh.data ?? atLogin;
  const s = t.settings;

  return (
    <section className="card" aria-labelledby="mfa-title">
      <h2 className="card__title" id="mfa-title">
        {s.mfaTitle}
      </h2>
      <dl className="facts">
        <div className="facts__row">
          <dt>{s.mfaMethod}</dt>
          <dd data-testid="mfa-status">
            <span className={`badge ${me.mfaEnrolled ? 'badge--current' : 'badge--warn'}`}>
              {me.mfaEnrolled ? s.mfaOn : s.mfaOff}
            </span>
          </dd>
        </div>
      </dl>
      <p className="muted">{mfaRequired(me.role) ? s.mfaRequiredRole : s.mfaOptionalRole}</p>
      {me.mfaEnrolled && <p className="muted">{s.mfaChange}</p>}
    </section>
  );
}
