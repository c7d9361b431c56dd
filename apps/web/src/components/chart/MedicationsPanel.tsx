import type { Medication } from '../../api/types';
import type { PagedList } from '../../hooks/usePagedList';
import { t } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { LoadMore } from '../LoadMore';
import { ErrorNotice, Loading } from '../Notice';

function statusLabel(status: string): string {
  return t.medications.statuses[status] ?? status;
}

export function MedicationsPanel({ list }: { list: PagedList<Medication> }) {
  const m = t.medications;
  return (
    <section className="card card--flush">
      {!list.loaded && list.loading && <Loading />}
      {!list.loaded && list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {list.loaded && list.items.length === 0 && <p className="empty">{m.empty}</p>}
      {list.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{m.authoredAt}</th>
                <th scope="col">{m.drug}</th>
                <th scope="col">{m.dosage}</th>
                <th scope="col">{m.status}</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((med) => (
                <tr key={med.id} data-testid="medication-row">
                  <td className="nowrap">
                    {med.authoredAt ? formatDateTime(med.authoredAt) : t.common.empty}
                  </td>
                  <td>
                    {med.display} {med.code && <span className="code">{med.code}</span>}
                  </td>
                  <td className="prose">{med.dosage ?? t.common.empty}</td>
                  <td>
                    <span className={`badge badge--status-${med.status}`}>
                      {statusLabel(med.status)}
                    </span>
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
