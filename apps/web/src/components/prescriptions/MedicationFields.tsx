import { rx } from '../../i18n/prescriptions';
import { Field } from '../Field';
import {
  FREQUENCIES,
  ROUTES,
  UNITS,
  type DraftErrors,
  type MedicationDraft,
} from './medicationDraft';

interface MedicationFieldsProps {
  index: number;
  medication: MedicationDraft;
  errors: DraftErrors;
  removable: boolean;
  onChange: (next: MedicationDraft) => void;
  onRemove: () => void;
}

type TextKey = 'name' | 'code' | 'dose' | 'days';

/** One line of the 処方 (Rp): drug, code, dose and unit, 用法, days and route. */
export function MedicationFields(props: MedicationFieldsProps) {
  const { index, medication: m, errors, removable, onChange, onRemove } = props;
  const at = `/medications/${index}`;

  function text(key: TextKey, label: string, extra: { hint?: string; className?: string } = {}) {
    return (
      <Field label={label} error={errors[`${at}/${key}`]} required {...extra}>
        {(control) => (
          <input
            {...control}
            className={key === 'code' ? 'mono' : undefined}
            inputMode={key === 'days' || key === 'dose' ? 'decimal' : undefined}
            value={m[key]}
            autoComplete="off"
            spellCheck={false}
            data-testid={`rx-med-${key}`}
            onChange={(event) => {
              onChange({ ...m, [key]: event.target.value });
            }}
          />
        )}
      </Field>
    );
  }

  function choice(key: 'unit' | 'frequency' | 'route', label: string, options: string[]) {
    return (
      <Field label={label} required>
        {(control) => (
          <select
            {...control}
            value={m[key]}
            data-testid={`rx-med-${key}`}
            onChange={(event) => {
              onChange({ ...m, [key]: event.target.value });
            }}
          >
            {options.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        )}
      </Field>
    );
  }

  return (
    <li className="rx-line" data-testid="rx-med">
      <div className="rx-line__head">
        <span className="rx-line__title">{rx.medicationLabel(index + 1)}</span>
        {removable && (
          <button type="button" className="button button--ghost button--small" onClick={onRemove}>
            {rx.removeMedication(index + 1)}
          </button>
        )}
      </div>
      <div className="form__grid form__grid--4">
        {text('name', rx.name, { className: 'form__wide' })}
        {text('code', rx.code, { hint: rx.codeHint })}
        {text('dose', rx.dose)}
        {choice('unit', rx.unit, UNITS)}
        {choice('route', rx.route, ROUTES)}
        {choice('frequency', rx.frequency, FREQUENCIES)}
        {text('days', rx.days)}
      </div>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={m.noSubstitution}
          onChange={(event) => {
            onChange({ ...m, noSubstitution: event.target.checked });
          }}
        />
        {rx.noSubstitution}
      </label>
    </li>
  );
}
