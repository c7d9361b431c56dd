import { useRef, useState, type SubmitEvent } from 'react';
import type { AuditOutcome, AuditQuery, StaffMember } from '../../api/types';
import { focusFirstInvalid, useFieldErrors, type FieldErrors } from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import {
  AUDIT_OUTCOMES,
  AUDIT_PAGE_SIZES,
  EMPTY_DRAFT,
  recallDraft,
  rememberDraft,
  toAuditQuery,
  type AuditDraft,
} from '../../lib/auditQuery';
import { Field } from '../Field';

const ACTION_CODES = Object.keys(t.audit.actions);

interface AuditFiltersProps {
  /** Null while the list loads or when it could not be had: the actor is then not offered. */
  staff: StaffMember[] | null;
  staffFailed: boolean;
  /** What the server refused in the last search, keyed by the form's paths ("/patientId"). */
  serverErrors: FieldErrors;
  onSearch: (query: AuditQuery) => void;
}

/** 絞り込み: period in Tokyo days, actor, patient, action, outcome and page size. */
export function AuditFilters({ staff, staffFailed, serverErrors, onSearch }: AuditFiltersProps) {
  const [draft, setDraft] = useState<AuditDraft>(recallDraft);
  const { errors, setErrors, clear } = useFieldErrors();
  // A server complaint stays next to its input until that input is changed.
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  const formRef = useRef<HTMLFormElement>(null);
  const a = t.audit;

  function change<K extends keyof AuditDraft>(key: K, value: AuditDraft[K]) {
    setDraft((d) => ({ ...d, [key]: value }));
    clear(`/${key}`);
    setEdited((s) => new Set(s).add(`/${key}`));
  }

  function errorOf(path: string): string | undefined {
    return errors[path] ?? (edited.has(path) ? undefined : serverErrors[path]);
  }

  function search(event: SubmitEvent) {
    event.preventDefault();
    const result = toAuditQuery(draft);
    setEdited(new Set());
    if (!result.ok) {
      setErrors(result.errors);
      focusFirstInvalid(formRef.current);
      return;
    }
    setErrors({});
    rememberDraft(draft);
    onSearch(result.query);
  }

  function reset() {
    setDraft(EMPTY_DRAFT);
    setErrors({});
    setEdited(new Set());
    rememberDraft(EMPTY_DRAFT);
    const result = toAuditQuery(EMPTY_DRAFT);
    if (result.ok) onSearch(result.query);
  }

  return (
    <form
      ref={formRef}
      className="card form audit-filters"
      role="search"
      aria-label={a.filters}
      noValidate
      onSubmit={search}
    >
      <div className="form__grid audit-filters__grid">
        <Field label={a.from} error={errorOf('/from')} hint={a.periodHint}>
          {(control) => (
            <input
              {...control}
              type="date"
              data-testid="audit-filter-from"
              value={draft.from}
              onChange={(event) => {
                change('from', event.target.value);
              }}
            />
          )}
        </Field>
        <Field label={a.to} error={errorOf('/to')}>
          {(control) => (
            <input
              {...control}
              type="date"
              data-testid="audit-filter-to"
              value={draft.to}
              onChange={(event) => {
                change('to', event.target.value);
              }}
            />
          )}
        </Field>
        <Field
          label={a.actor}
          error={errorOf('/actorId')}
          hint={staffFailed ? a.staffUnavailable : undefined}
        >
          {(control) => (
            <select
              {...control}
              data-testid="audit-filter-actor"
              value={draft.actorId}
              disabled={staff === null}
              onChange={(event) => {
                change('actorId', event.target.value);
              }}
            >
              <option value="">{a.anyActor}</option>
              {(staff ?? []).map((member) => (
                <option key={member.id} value={member.id}>
                  {member.displayName}（{t.roles[member.role]}）
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={a.patientId} error={errorOf('/patientId')} hint={a.patientIdHint}>
          {(control) => (
            <input
              {...control}
              type="text"
              className="mono"
              data-testid="audit-filter-patient"
              value={draft.patientId}
              autoComplete="off"
              spellCheck={false}
              onChange={(event) => {
                change('patientId', event.target.value);
              }}
            />
          )}
        </Field>
        <Field label={a.action} error={errorOf('/action')} hint={a.actionHint}>
          {(control) => (
            <>
              <input
                {...control}
                type="text"
                list="audit-action-codes"
                data-testid="audit-filter-action"
                value={draft.action}
                autoComplete="off"
                spellCheck={false}
                onChange={(event) => {
                  change('action', event.target.value);
                }}
              />
              <datalist id="audit-action-codes">
                {ACTION_CODES.map((code) => (
                  <option key={code} value={code}>
                    {t.audit.actions[code]}
                  </option>
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field label={a.outcome} error={errorOf('/outcome')}>
          {(control) => (
            <select
              {...control}
              data-testid="audit-filter-outcome"
              value={draft.outcome}
              onChange={(event) => {
                change('outcome', event.target.value as AuditOutcome | '');
              }}
            >
              <option value="">{a.anyOutcome}</option>
              {AUDIT_OUTCOMES.map((outcome) => (
                <option key={outcome} value={outcome}>
                  {a.outcomes[outcome]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={a.limit} error={errorOf('/limit')}>
          {(control) => (
            <select
              {...control}
              data-testid="audit-filter-limit"
              value={draft.limit}
              onChange={(event) => {
                change('limit', Number(event.target.value));
              }}
            >
              {AUDIT_PAGE_SIZES.map((size) => (
                <option key={size} value={size}>
                  {a.limitOption(size)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="form__actions">
        <button type="submit" className="button" data-testid="audit-filter-submit">
          {a.search}
        </button>
        <button
          type="button"
          className="button button--secondary"
          data-testid="audit-filter-clear"
          onClick={reset}
        >
          {a.clear}
        </button>
      </div>
    </form>
  );
}
