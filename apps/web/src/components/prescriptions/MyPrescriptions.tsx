import { listPrescriptions } from '../../api/prescriptions';
import { usePagedList } from '../../hooks/usePagedList';
import { rx } from '../../i18n/prescriptions';
import { formatCalendarDate } from '../../lib/format';
import { LoadMore } from '../LoadMore';
import { ErrorNotice, Loading } from '../Notice';
import { PdfDownloadButton } from './PdfDownloadButton';
import './prescriptions.css';

/** マイページ: the patient's own prescriptions, each with its PDF to take to a pharmacy. */
export function MyPrescriptions({ patientId }: { patientId: string }) {
  const list = usePagedList(`my-prescriptions:${patientId}`, (cursor, signal) =>
    listPrescriptions(patientId, cursor, signal),
  );
  return (
    <section className="card card--flush" data-testid="my-prescriptions">
      <h2 className="card__title card__title--padded">{rx.portalTitle}</h2>
      <p className="muted card__title--padded">{rx.portalLead}</p>
      {!list.loaded && list.loading && <Loading />}
      {!list.loaded && list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {list.loaded && list.items.length === 0 && <p className="empty">{rx.empty}</p>}
      {list.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{rx.issuedOn}</th>
                <th scope="col">{rx.medications}</th>
                <th scope="col">{rx.doctor}</th>
                <th scope="col">{rx.validUntil}</th>
                <th scope="col">
                  <span className="visually-hidden">{rx.download}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((p) => (
                <tr key={p.id} data-testid="my-rx-row" data-status={p.status}>
                  <td className="nowrap">{formatCalendarDate(p.issuedOn)}</td>
                  <td>
                    <ul className="rx-names">
                      {p.medications.map((m, i) => (
                        <li key={`${String(i)}-${m.code}`}>
                          {m.name} {m.dose}
                          {m.unit} {m.frequency} {rx.daysValue(m.days, m.route)}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="nowrap">{p.doctorName}</td>
                  <td className="nowrap">{rx.validUntilValue(formatCalendarDate(p.validUntil))}</td>
                  <td>
                    <PdfDownloadButton prescription={p} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore list={list} />
    </section>
  );
}
