import type { AuditEvent } from '../../api/types';
import { t } from '../../i18n';
import { formatTokyoDateTime } from '../../lib/tokyo';
import { Link, patientPath } from '../../router';

const OUTCOME_BADGE: Record<AuditEvent['outcome'], string> = {
  success: 'badge--current',
  denied: 'badge--danger',
  failure: 'badge--warn',
};

export function actionLabel(code: string): string | null {
  return t.audit.actions[code] ?? null;
}

function roleLabel(role: string): string {
  if (role in t.roles) return t.roles[role as keyof typeof t.roles];
  return t.audit.otherRoles[role] ?? role;
}

/** A long identifier shown by its head (enough to tell events apart), the whole on hover. */
function ShortId({ value, testId }: { value: string | null; testId?: string }) {
  if (value === null) return <span className="muted">{t.common.empty}</span>;
  return (
    <code className="code audit__id" title={value} data-testid={testId}>
      {value.slice(0, 8)}
    </code>
  );
}

function Actor({ event, names }: { event: AuditEvent; names: ReadonlyMap<string, string> }) {
  if (event.actorId === null) return <span className="muted">{t.audit.system}</span>;
  const name = names.get(event.actorId);
  if (name !== undefined) return <span className="audit__actor">{name}</span>;
  // A patient's portal account or a removed member: the id is all this screen can know.
  return <ShortId value={event.actorId} />;
}

function AuditRow({ event, names }: { event: AuditEvent; names: ReadonlyMap<string, string> }) {
  const a = t.audit;
  const label = actionLabel(event.action);
  const high = event.severity === 'high';
  return (
    <tr
      className={high ? 'audit-row audit-row--high' : 'audit-row'}
      data-testid="audit-row"
      data-event-id={event.id}
      data-seq={event.seq}
      data-actor-id={event.actorId ?? ''}
      data-action={event.action}
      data-outcome={event.outcome}
      data-severity={event.severity}
    >
      <td className="nowrap">
        <time dateTime={event.occurredAt} data-testid="audit-time">
          {formatTokyoDateTime(event.occurredAt)}
        </time>
      </td>
      <td className="nowrap" data-testid="audit-actor">
        <Actor event={event} names={names} />
      </td>
      <td className="nowrap">{roleLabel(event.actorRole)}</td>
      <td data-testid="audit-action">
        {label ?? <code className="code">{event.action}</code>}
        {label !== null && <span className="audit__code">{event.action}</span>}
      </td>
      <td>
        <span className={`badge ${OUTCOME_BADGE[event.outcome]}`} data-testid="audit-outcome">
          {a.outcomes[event.outcome]}
        </span>
      </td>
      <td>
        <span className={high ? 'badge badge--danger' : 'badge'} data-testid="audit-severity">
          {a.severities[event.severity]}
        </span>
      </td>
      <td>
        {event.patientId === null ? (
          <span className="muted">{t.common.empty}</span>
        ) : (
          <Link to={patientPath(event.patientId)} data-testid="audit-patient">
            <ShortId value={event.patientId} />
          </Link>
        )}
      </td>
      <td className="nowrap">
        {event.resourceType === null ? (
          <span className="muted">{t.common.empty}</span>
        ) : (
          (a.resourceTypes[event.resourceType] ?? event.resourceType)
        )}
        {event.resourceId !== null && (
          <>
            {' '}
            <ShortId value={event.resourceId} />
          </>
        )}
      </td>
      <td>
        <ShortId value={event.requestId} />
      </td>
      <td className="nowrap">
        {event.clientIp === null ? (
          <span className="muted">{t.common.empty}</span>
        ) : (
          <code className="code">{event.clientIp}</code>
        )}
      </td>
      <td className="prose audit__reason" data-testid="audit-reason">
        {event.reason ?? <span className="muted">{t.common.empty}</span>}
      </td>
    </tr>
  );
}

interface AuditTableProps {
  events: AuditEvent[];
  /** Staff ids to display names, from the staff list the page has loaded. */
  names: ReadonlyMap<string, string>;
}

/** The events newest first; severe ones stand out, identifiers are shortened to their head. */
export function AuditTable({ events, names }: AuditTableProps) {
  const c = t.audit.columns;
  return (
    <div className="table-wrap">
      <table className="table audit-table" data-testid="audit-table">
        <thead>
          <tr>
            <th scope="col">{c.occurredAt}</th>
            <th scope="col">{c.actor}</th>
            <th scope="col">{c.role}</th>
            <th scope="col">{c.action}</th>
            <th scope="col">{c.outcome}</th>
            <th scope="col">{c.severity}</th>
            <th scope="col">{c.patient}</th>
            <th scope="col">{c.resource}</th>
            <th scope="col">{c.requestId}</th>
            <th scope="col">{c.clientIp}</th>
            <th scope="col">{c.reason}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <AuditRow key={event.id} event={event} names={names} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
