import type { Observation } from '../../api/types';
import type { PagedList } from '../../hooks/usePagedList';
import { t } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { LoadMore } from '../LoadMore';
import { ErrorNotice, Loading } from '../Notice';

export function ObservationsPanel({ list }: { list: PagedList<Observation> }) {
  const o = t.observations;
  return (
    <section className="card card--flush">
      {!list.loaded && list.loading && <Loading />}
      {!list.loaded && list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {list.loaded && list.items.length === 0 && <p className="empty">{o.empty}</p>}
      {list.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{o.effectiveAt}</th>
                <th scope="col">{o.item}</th>
                <th scope="col" className="table__num">
                  {o.value}
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((obs) => (
                <tr key={obs.id} data-testid="observation-row">
                  <td className="nowrap">{formatDateTime(obs.effectiveAt)}</td>
                  <td>
                    {obs.display} <span className="code">{obs.code}</span>
                  </td>
                  <td className="table__num">
                    {obs.value}
                    {obs.unit && <span className="unit"> {obs.unit}</span>}
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
