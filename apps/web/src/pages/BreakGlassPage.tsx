import { useState, type SubmitEvent } from 'react';
import { Field } from '../components/Field';
import { Notice } from '../components/Notice';
import { t } from '../i18n';
import { canBreakGlass } from '../lib/roles';
import { navigate, patientPath } from '../router';
import { useSession } from '../session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** IDs get read off paper and typed through an IME: full-width characters become ASCII. */
function normalizeId(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase();
}

/**
 * 緊急アクセス for doctors and nurses: opens a chart by patient ID. A patient in the caller's care
 * opens as usual; any other answers "not found" and the chart offers break-the-glass.
 */
export function BreakGlassPage() {
  const { me } = useSession();
  const [input, setInput] = useState('');
  const [error, setError] = useState<string | null>(null);
  const b = t.breakGlass;

  if (!canBreakGlass(me.role)) {
    return (
      <main className="page">
        <Notice kind="error">{b.forbidden}</Notice>
      </main>
    );
  }

  function open(event: SubmitEvent) {
    event.preventDefault();
    const id = normalizeId(input);
    if (!UUID.test(id)) {
      setError(b.patientIdInvalid);
      return;
    }
    navigate(patientPath(id));
  }

  return (
    <main className="page" data-testid="break-glass-page">
      <div className="page__head">
        <h1>{b.pageTitle}</h1>
      </div>
      <p className="muted lead">{b.pageLead}</p>
      <form className="card form form__narrow" noValidate onSubmit={open}>
        <Field label={b.patientId} hint={b.patientIdHint} error={error ?? undefined} required>
          {(control) => (
            <input
              {...control}
              type="text"
              name="patientId"
              className="mono"
              autoComplete="off"
              autoCapitalize="off"
              spellCheck={false}
              data-testid="break-glass-patient-id"
              value={input}
              onChange={(event) => {
                setInput(event.target.value);
                setError(null);
              }}
            />
          )}
        </Field>
        <div className="form__actions">
          <button type="submit" className="button" data-testid="break-glass-open">
            {b.open}
          </button>
        </div>
      </form>
      <Notice kind="info">{b.audited}</Notice>
    </main>
  );
}
