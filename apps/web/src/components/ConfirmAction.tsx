import { useState } from 'react';
import { t } from '../i18n';

interface ConfirmActionProps {
  label: string;
  /** Asked before anything happens, e.g. "…をリセットしますか？". */
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  disabled?: boolean;
  testId?: string;
}

/**
 * A button that asks first, in place: the question and the confirm/cancel buttons replace it
 * until the user decides. The action reports its own outcome; this only tracks "running".
 */
export function ConfirmAction(props: ConfirmActionProps) {
  const { label, question, confirmLabel, onConfirm, disabled = false, testId } = props;
  const [state, setState] = useState<'idle' | 'asking' | 'running'>('idle');

  if (state === 'idle') {
    return (
      <button
        type="button"
        className="button button--secondary button--small"
        data-testid={testId}
        disabled={disabled}
        onClick={() => {
          setState('asking');
        }}
      >
        {label}
      </button>
    );
  }

  function run() {
    setState('running');
    const done = () => {
      setState('idle');
    };
    onConfirm().then(done, done);
  }

  return (
    <div className="confirm" role="group" aria-label={label}>
      <p className="confirm__question">{question}</p>
      <div className="confirm__buttons">
        <button
          type="button"
          className="button button--danger button--small"
          data-testid={testId ? `${testId}-confirm` : undefined}
          disabled={state === 'running'}
          // The question just replaced the button under the user's finger: keep focus here.
          autoFocus
          onClick={run}
        >
          {confirmLabel}
        </button>
        <button
          type="button"
          className="button button--ghost button--small"
          disabled={state === 'running'}
          onClick={() => {
            setState('idle');
          }}
        >
          {t.common.cancel}
        </button>
      </div>
    </div>
  );
}
