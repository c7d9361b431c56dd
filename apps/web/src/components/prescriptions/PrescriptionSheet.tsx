import type { Prescription } from '../../api/prescriptions';
import { rx } from '../../i18n/prescriptions';
import { formatCalendarDate, formatDateTime } from '../../lib/format';

/**
 * The prescription as the PDF lays it out, in HTML: the preview, since the CSP lets no PDF
 * viewer into the page. Record text is rendered as text by React, never as markup.
 */
export function PrescriptionSheet({ prescription: p }: { prescription: Prescription }) {
  return (
    <article className="rx-sheet" data-testid="rx-sheet" aria-label={rx.detail}>
      <header className="rx-sheet__head">
        <h3 className="rx-sheet__title">{rx.title}</h3>
        <span
          className={`badge ${p.status === 'active' ? 'badge--status-active' : 'badge--danger'}`}
        >
          {rx.status[p.status] ?? p.status}
        </span>
      </header>
      <dl className="facts">
        <div className="facts__row">
          <dt>{rx.issuedOn}</dt>
          <dd>{formatCalendarDate(p.issuedOn)}</dd>
        </div>
        <div className="facts__row">
          <dt>{rx.validUntil}</dt>
          <dd>{rx.validUntilValue(formatCalendarDate(p.validUntil))}</dd>
        </div>
        <div className="facts__row">
          <dt>{rx.doctor}</dt>
          <dd>{p.doctorName}</dd>
        </div>
      </dl>
      <div className="table-wrap">
        <table className="table">
          <caption className="rx-sheet__caption">{rx.medications}</caption>
          <thead>
            <tr>
              <th scope="col">{rx.name}</th>
              <th scope="col">{rx.dose}</th>
              <th scope="col">{rx.frequency}</th>
              <th scope="col">{rx.days}</th>
            </tr>
          </thead>
          <tbody>
            {p.medications.map((m, i) => (
              <tr key={`${String(i)}-${m.code}`} data-testid="rx-sheet-med">
                <td>
                  {m.name} <span className="code">{m.code}</span>
                  {m.noSubstitution && (
                    <span className="badge badge--warn">{rx.noSubstitution}</span>
                  )}
                </td>
                <td className="nowrap">
                  {m.dose}
                  {m.unit}
                </td>
                <td>
                  {m.route} {m.frequency}
                </td>
                <td className="nowrap">{rx.daysValue(m.days, m.route)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {p.notes !== null && (
        <p className="prose rx-sheet__notes">
          <strong>{rx.notes}: </strong>
          {p.notes}
        </p>
      )}
      {p.status === 'cancelled' && (
        <p className="rx-sheet__cancelled">
          {p.cancelledAt && `${formatDateTime(p.cancelledAt)} `}
          {p.cancelReason !== null && rx.cancelledBecause(p.cancelReason)}
        </p>
      )}
    </article>
  );
}
