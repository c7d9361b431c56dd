import { useState, type ReactNode } from 'react';
import { verifyAudit } from '../../api/audit';
import { asApiError, type ApiError } from '../../api/client';
import type { AuditVerification } from '../../api/types';
import { t } from '../../i18n';
import { formatTokyoDateTime } from '../../lib/tokyo';
import { ErrorNotice } from '../Notice';

type State =
  | { kind: 'idle' }
  | { kind: 'running' }
  | { kind: 'done'; result: AuditVerification }
  | { kind: 'failed'; error: ApiError };

function Row({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

function Checkpoint({ checkpoint }: { checkpoint: AuditVerification['lastCheckpoint'] }) {
  const v = t.audit.verify;
  if (checkpoint === null) return <span className="muted">{v.noCheckpoint}</span>;
  return (
    <>
      {v.checkpointAt(checkpoint.position, formatTokyoDateTime(checkpoint.at))}{' '}
      <span className={checkpoint.signatureValid ? 'badge badge--current' : 'badge badge--danger'}>
        {checkpoint.signatureValid ? v.signatureValid : v.signatureInvalid}
      </span>
    </>
  );
}

function FirstBroken({ broken }: { broken: NonNullable<AuditVerification['firstBroken']> }) {
  const v = t.audit.verify;
  return (
    <>
      <strong>{v.problems[broken.problem]}</strong>
      <br />
      {v.brokenAt(broken.position)}
      {broken.seq !== null && `・${v.seq(broken.seq)}`}
      {broken.eventId !== null && (
        <>
          <br />
          {v.eventId}: <code className="code">{broken.eventId}</code>
        </>
      )}
    </>
  );
}

function Result({ result }: { result: AuditVerification }) {
  const v = t.audit.verify;
  const intact = result.status === 'intact';
  return (
    <div className={intact ? 'audit-verify__result' : 'audit-verify__result audit-verify--broken'}>
      <p
        className={intact ? 'audit-verify__status' : 'audit-verify__status audit-verify__alarm'}
        role={intact ? 'status' : 'alert'}
        data-testid="audit-verify-status"
        data-status={result.status}
      >
        {intact ? v.intact : v.broken}
      </p>
      <dl className="facts">
        <Row label={v.checked} testId="audit-verify-checked">
          {v.count(result.checkedEvents)}
        </Row>
        {/* The walk stops at a break: what follows it is unchecked, not merely not yet linked. */}
        <Row label={intact ? v.pending : v.unverified} testId="audit-verify-pending">
          {v.count(result.pendingEvents)}
          <span className="audit-verify__hint">{intact ? v.pendingHint : v.unverifiedHint}</span>
        </Row>
        {result.anchor !== null && (
          <Row label={v.anchor} testId="audit-verify-anchor">
            {v.anchorAt(result.anchor.position, formatTokyoDateTime(result.anchor.at))}
          </Row>
        )}
        <Row label={v.lastCheckpoint} testId="audit-verify-checkpoint">
          <Checkpoint checkpoint={result.lastCheckpoint} />
        </Row>
        {result.firstBroken !== null && (
          <Row label={v.firstBroken} testId="audit-verify-broken">
            <FirstBroken broken={result.firstBroken} />
          </Row>
        )}
        <Row label={v.verifiedAt} testId="audit-verify-at">
          {formatTokyoDateTime(result.verifiedAt)}
        </Row>
      </dl>
    </div>
  );
}

/** 改ざん検証: walks the hash chain on demand; the result stays until the next run. */
export function VerifyPanel() {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const v = t.audit.verify;

  function run() {
    setState({ kind: 'running' });
    verifyAudit().then(
      (result) => {
        setState({ kind: 'done', result });
      },
      (err: unknown) => {
        setState({ kind: 'failed', error: asApiError(err) });
      },
    );
  }

  return (
    <section className="card audit-verify" aria-label={v.title} data-testid="audit-verify">
      <div className="audit-verify__head">
        <div>
          <h2 className="card__title">{v.title}</h2>
          <p className="muted audit-verify__lead">{v.lead}</p>
        </div>
        <button
          type="button"
          className="button"
          data-testid="audit-verify-run"
          disabled={state.kind === 'running'}
          onClick={run}
        >
          {state.kind === 'running' ? v.running : v.run}
        </button>
      </div>
      {state.kind === 'failed' && <ErrorNotice error={state.error} />}
      {state.kind === 'done' && <Result result={state.result} />}
    </section>
  );
}
