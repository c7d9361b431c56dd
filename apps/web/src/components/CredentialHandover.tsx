import { useEffect } from 'react';
import { t } from '../i18n';
import { CopyButton } from './CopyButton';
import { Notice } from './Notice';

interface CredentialHandoverProps {
  tenantCode: string;
  email: string;
  temporaryPassword: string;
  onClose: () => void;
  testId: string;
}

/**
 * What a new account's owner needs for the first login, shown once: the temporary password is
 * nowhere else once this closes (the server keeps only its hash).
 */
export function CredentialHandover(props: CredentialHandoverProps) {
  const { tenantCode, email, temporaryPassword, onClose, testId } = props;
  const h = t.handover;

  // Leaving the page now would lose the password before it was handed over.
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => {
      window.removeEventListener('beforeunload', warn);
    };
  }, []);

  return (
    <section className="card handover" data-testid={testId} aria-labelledby={`${testId}-title`}>
      <h2 className="card__title" id={`${testId}-title`}>
        {h.title}
      </h2>
      <p className="lead">{h.lead}</p>
      <dl className="facts">
        <div className="facts__row">
          <dt>{h.tenant}</dt>
          <dd className="mono">{tenantCode}</dd>
        </div>
        <div className="facts__row">
          <dt>{h.email}</dt>
          <dd className="mono">{email}</dd>
        </div>
        <div className="facts__row">
          <dt>{h.password}</dt>
          <dd>
            <code className="secret" data-testid={`${testId}-password`}>
              {temporaryPassword}
            </code>
          </dd>
        </div>
      </dl>
      <Notice kind="warning">{h.warning}</Notice>
      <div className="form__actions">
        <CopyButton text={temporaryPassword} label={h.copy} copiedLabel={h.copied} />
        <button type="button" className="button" data-testid={`${testId}-close`} onClick={onClose}>
          {h.close}
        </button>
      </div>
    </section>
  );
}
