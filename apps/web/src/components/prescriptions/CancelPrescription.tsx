import { useState, type SubmitEvent } from 'react';
import { asApiError, type ApiError } from '../../api/client';
import { cancelPrescription, type Prescription } from '../../api/prescriptions';
import { rx } from '../../i18n/prescriptions';
import { Field } from '../Field';
import { ErrorNotice } from '../Notice';

interface CancelPrescriptionProps {
  prescription: Prescription;
  onCancelled: (updated: Prescription) => void;
}

/** 取消: a reason is required and the prescription stays on record, marked cancelled. */
export function CancelPrescription({ prescription, onCancelled }: CancelPrescriptionProps) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  if (!open) {
    return (
      <button
        type="button"
        className="button button--secondary button--small"
        data-testid="rx-revoke"
        onClick={() => {
          setOpen(true);
        }}
      >
        {rx.revoke}
      </button>
    );
  }

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCancelled(await cancelPrescription(prescription.id, reason.trim()));
      setOpen(false);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  const short = reason.trim().length < 5;
  return (
    <form className="confirm" onSubmit={(event) => void submit(event)}>
      <p className="confirm__question">{rx.revokeQuestion}</p>
      {error && <ErrorNotice error={error} />}
      <Field label={rx.revokeReason} required>
        {(control) => (
          <textarea
            {...control}
            rows={2}
            maxLength={500}
            value={reason}
            data-testid="rx-revoke-reason"
            onChange={(event) => {
              setReason(event.target.value);
            }}
          />
        )}
      </Field>
      <div className="confirm__buttons">
        <button
          type="submit"
          className="button button--danger button--small"
          disabled={busy || short}
          data-testid="rx-revoke-confirm"
        >
          {rx.revokeConfirm}
        </button>
        <button
          type="button"
          className="button button--ghost button--small"
          disabled={busy}
          onClick={() => {
            setOpen(false);
          }}
        >
          {rx.close}
        </button>
      </div>
    </form>
  );
}
