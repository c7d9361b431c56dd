import { listAppointments } from '../../api/appointments';
import type { Appointment } from '../../api/types';
import { useNow } from '../../hooks/useNow';
import { useResource } from '../../hooks/useResource';
import { t } from '../../i18n';
import { myAppointments as m, schedule as s } from '../../i18n/consult';
import { canJoin, JOIN_LATE_MS } from '../../lib/joinWindow';
import { formatTokyoDay, tokyoDateOf, tokyoTimeOf } from '../../lib/tokyo';
import { consultPath, Link } from '../../router';
import { ErrorNotice, Loading } from '../Notice';
import '../schedule/schedule.css';

const PAST_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;
const CLOCK_MS = 15_000;

function AppointmentTable(props: { items: Appointment[]; now: number; testId: string }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{m.when}</th>
            <th scope="col">{m.type}</th>
            <th scope="col">{m.status}</th>
            <th scope="col">
              <span className="visually-hidden">{s.join}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((a) => (
            <tr
              key={a.id}
              data-testid={props.testId}
              data-id={a.id}
              data-status={a.status}
              data-type={a.type}
            >
              <td className="nowrap">
                {formatTokyoDay(tokyoDateOf(a.start))} {tokyoTimeOf(a.start)}–{tokyoTimeOf(a.end)}
              </td>
              <td>
                <span className={`badge badge--${a.type}`}>{t.encounterType[a.type]}</span>
              </td>
              <td className="nowrap">{s.status[a.status]}</td>
              <td>
                {canJoin(a, props.now) && (
                  <Link
                    to={consultPath(a.id)}
                    className="button button--small"
                    data-testid="my-appointment-join"
                  >
                    {s.join}
                  </Link>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** マイページ: the patient's own appointments, with the way into a video consultation. */
export function MyAppointments() {
  const now = useNow(CLOCK_MS);
  const list = useResource('my-appointments', (signal) =>
    listAppointments({ from: new Date(Date.now() - PAST_DAYS * DAY_MS).toISOString() }, signal),
  );
  const items = list.data ?? [];
  // Still "upcoming" while the room is open: up to an hour after the end.
  const upcoming = items.filter((a) => Date.parse(a.end) + JOIN_LATE_MS >= now);
  const past = items.filter((a) => Date.parse(a.end) + JOIN_LATE_MS < now).reverse();

  return (
    <section className="card card--flush" data-testid="my-appointments">
      <h2 className="card__title card__title--padded">{m.title}</h2>
      <p className="muted card__title--padded">{m.lead}</p>
      {list.loading && !list.data && <Loading />}
      {list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {list.data && (
        <>
          <h3 className="card__title--padded">{m.upcoming}</h3>
          {upcoming.length === 0 ? (
            <p className="empty">{m.emptyUpcoming}</p>
          ) : (
            <AppointmentTable items={upcoming} now={now} testId="my-appointment-row" />
          )}
          <h3 className="card__title--padded">{m.past}</h3>
          {past.length === 0 ? (
            <p className="empty">{m.emptyPast}</p>
          ) : (
            <AppointmentTable items={past} now={now} testId="my-past-appointment-row" />
          )}
          <p className="muted card__title--padded">{m.bookingNote}</p>
        </>
      )}
    </section>
  );
}
