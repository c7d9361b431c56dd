import { useState } from 'react';
import { addToCareTeam, listCareTeam, removeFromCareTeam } from '../../api/careTeam';
import { asApiError, type ApiError } from '../../api/client';
import { listDirectory } from '../../api/staff';
import type { CareTeamMember, DirectoryMember } from '../../api/types';
import { useResource } from '../../hooks/useResource';
import { t } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { ConfirmAction } from '../ConfirmAction';
import { ErrorNotice, Loading, Notice } from '../Notice';

type Outcome =
  | { kind: 'done'; text: string }
  | { kind: 'refused'; text: string }
  | { kind: 'failed'; error: ApiError };

/** The directory's active doctors and nurses who are not on the team yet. */
function candidatesFrom(staff: DirectoryMember[], team: CareTeamMember[]): DirectoryMember[] {
  const onTeam = new Set(team.map((member) => member.staffId));
  return staff.filter((member) => !onTeam.has(member.id));
}

function addRefusal(error: ApiError): string | null {
  if (error.status === 409) return t.careTeam.alreadyMember;
  if (error.status === 400 && error.fields.some((field) => field.path === '/staffId')) {
    return t.careTeam.notEligible;
  }
  return null;
}

interface AddControlProps {
  candidates: DirectoryMember[];
  onAdd: (member: DirectoryMember) => Promise<void>;
}

function AddControl({ candidates, onAdd }: AddControlProps) {
  const [chosen, setChosen] = useState('');
  const [adding, setAdding] = useState(false);
  const [missing, setMissing] = useState(false);
  const c = t.careTeam;

  if (candidates.length === 0) return <p className="muted lead">{c.noCandidates}</p>;

  function add() {
    const member = candidates.find((candidate) => candidate.id === chosen);
    if (!member) {
      setMissing(true);
      return;
    }
    setAdding(true);
    const done = () => {
      setAdding(false);
      setChosen('');
    };
    onAdd(member).then(done, done);
  }

  return (
    <div className="care-team__add">
      <div className="field">
        <label htmlFor="care-team-select" className="field__label">
          {c.addLabel}
        </label>
        <select
          id="care-team-select"
          data-testid="care-team-select"
          value={chosen}
          aria-invalid={missing || undefined}
          aria-describedby={missing ? 'care-team-select-error' : undefined}
          onChange={(event) => {
            setChosen(event.target.value);
            setMissing(false);
          }}
        >
          <option value="">{t.common.choose}</option>
          {candidates.map((member) => (
            <option key={member.id} value={member.id}>
              {member.displayName}（{t.roles[member.role]}）
            </option>
          ))}
        </select>
        {missing && (
          <p id="care-team-select-error" className="field__error">
            {c.chooseFirst}
          </p>
        )}
      </div>
      <button
        type="button"
        className="button"
        data-testid="care-team-add"
        disabled={adding}
        onClick={add}
      >
        {adding ? c.adding : c.add}
      </button>
    </div>
  );
}

interface CareTeamPanelProps {
  patientId: string;
  /** Under a break-the-glass grant the team can be read, not changed. */
  readOnly: boolean;
}

/**
 * ケアチーム, for the front desk, administrators and the patient's doctors: who may see this
 * patient's clinical record. New members are chosen from the staff directory.
 */
export function CareTeamPanel({ patientId, readOnly }: CareTeamPanelProps) {
  const team = useResource(`careTeam:${patientId}`, (signal) => listCareTeam(patientId, signal));
  // Not asked when nothing can be added: the refusal would only add a denied audit event.
  const staff = useResource(`directory:${readOnly ? 'no' : 'yes'}`, (signal) =>
    readOnly ? Promise.resolve(null) : listDirectory(signal),
  );
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const c = t.careTeam;

  async function add(member: DirectoryMember) {
    setOutcome(null);
    try {
      await addToCareTeam(patientId, member.id);
    } catch (err) {
      const error = asApiError(err);
      const refusal = addRefusal(error);
      setOutcome(refusal ? { kind: 'refused', text: refusal } : { kind: 'failed', error });
      team.reload();
      return;
    }
    team.update((items) => [
      ...items,
      {
        staffId: member.id,
        displayName: member.displayName,
        role: member.role,
        since: new Date().toISOString(),
        via: 'assignment',
      },
    ]);
    setOutcome({ kind: 'done', text: c.added(member.displayName) });
    team.reload();
  }

  async function remove(member: CareTeamMember) {
    setOutcome(null);
    try {
      await removeFromCareTeam(patientId, member.staffId);
    } catch (err) {
      setOutcome({ kind: 'failed', error: asApiError(err) });
      team.reload();
      return;
    }
    team.update((items) => items.filter((item) => item.staffId !== member.staffId));
    setOutcome({ kind: 'done', text: c.removed(member.displayName) });
    team.reload();
  }

  const listForbidden = readOnly || staff.error?.status === 403;
  const members = team.data ?? [];

  return (
    <section className="card card--flush" aria-labelledby="care-team-title">
      <div className="card__head">
        <div>
          <h2 className="card__title" id="care-team-title">
            {c.title}
          </h2>
          <p className="muted">{c.lead}</p>
        </div>
      </div>
      {outcome?.kind === 'done' && <Notice kind="success">{outcome.text}</Notice>}
      {outcome?.kind === 'refused' && <Notice kind="error">{outcome.text}</Notice>}
      {outcome?.kind === 'failed' && <ErrorNotice error={outcome.error} />}
      {team.loading && !team.data && <Loading />}
      {team.error && <ErrorNotice error={team.error} onRetry={team.reload} />}
      {team.data && members.length === 0 && <p className="empty">{c.empty}</p>}
      {members.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{c.name}</th>
                <th scope="col">{c.role}</th>
                <th scope="col">{c.since}</th>
                <th scope="col">
                  <span className="visually-hidden">{t.staff.actions}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((member) => (
                <tr key={member.staffId} data-testid="care-team-row" data-staff-id={member.staffId}>
                  <td className="staff__name">{member.displayName}</td>
                  <td className="nowrap">
                    {t.roles[member.role]}
                    {member.via === 'encounter' && (
                      <span className="muted" data-testid="care-team-via-encounter">
                        {' '}
                        {c.viaEncounter}
                      </span>
                    )}
                  </td>
                  <td className="nowrap">{formatDateTime(member.since)}</td>
                  <td>
                    {!readOnly && (
                      <ConfirmAction
                        label={c.remove}
                        question={c.removeQuestion(member.displayName)}
                        confirmLabel={c.removeConfirm}
                        testId="care-team-remove"
                        onConfirm={() => remove(member)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="care-team__foot">
        {listForbidden ? (
          <p className="muted lead" data-testid="care-team-add-unavailable">
            {readOnly ? c.readOnly : c.cannotList}
          </p>
        ) : staff.error ? (
          <ErrorNotice error={staff.error} onRetry={staff.reload} />
        ) : staff.data && team.data ? (
          <AddControl candidates={candidatesFrom(staff.data, members)} onAdd={add} />
        ) : (
          <Loading />
        )}
      </div>
    </section>
  );
}
