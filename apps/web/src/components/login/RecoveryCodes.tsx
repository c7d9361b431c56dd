import { useEffect } from 'react';
import { t } from '../../i18n';
import { CopyButton } from '../CopyButton';
import { Notice } from '../Notice';
import { LoginCard } from './LoginCard';

interface RecoveryCodesProps {
  codes: string[];
  onAcknowledged: () => void;
}

/** Shown once, right after enrollment: the server keeps only hashes of these codes. */
export function RecoveryCodes({ codes, onAcknowledged }: RecoveryCodesProps) {
  const r = t.recovery;

  // A reload here would restore the session from its cookie and the codes would be gone for good.
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
    <LoginCard title={r.title} lead={r.lead} wide testId="recovery">
      <Notice kind="warning">{r.warning}</Notice>
      <ol className="recovery-codes" data-testid="recovery-codes" aria-label={r.listLabel}>
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="recovery__tools">
        <CopyButton text={codes.join('\n')} label={r.copy} copiedLabel={r.copied} />
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => {
            window.print();
          }}
        >
          {r.print}
        </button>
      </div>
      <p className="muted">{r.ackHint}</p>
      <button
        type="button"
        className="button button--block"
        data-testid="recovery-ack"
        onClick={onAcknowledged}
      >
        {r.ack}
      </button>
    </LoginCard>
  );
}
