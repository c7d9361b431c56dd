import { useEffect, useState, useSyncExternalStore } from 'react';
import { getAppointment } from '../api/appointments';
import { CallView } from '../components/consult/CallView';
import '../components/consult/consult.css';
import { DoctorLobby, WaitingRoom } from '../components/consult/Lobby';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { useResource } from '../hooks/useResource';
import { consult as c } from '../i18n/consult';
import { ConsultSession, type ConsultState, type RoomRefusal } from '../lib/consult/session';
import { encounterPath, Link } from '../router';
import { useSession } from '../session';

const REFUSALS: Record<RoomRefusal, string> = {
  outsideWindow: c.refused.outsideWindow,
  cancelled: c.refused.cancelled,
  notVideo: c.refused.notVideo,
  notFound: c.refused.notFound,
  forbidden: c.refused.forbidden,
  replaced: c.refused.replaced,
  lost: c.refused.lost,
};

function Status({ text }: { text: string }) {
  return (
    <p className="loading" role="status" data-testid="consult-status">
      {text}
    </p>
  );
}

interface EndedProps {
  appointmentId: string;
  isDoctor: boolean;
  encounterId: string | null;
}

function Ended({ appointmentId, isDoctor, encounterId }: EndedProps) {
  // A doctor who opens an ended consultation learns its encounter from the appointment.
  const ask = isDoctor && encounterId === null;
  const appointment = useResource(
    `appointment:${appointmentId}:${ask ? 'ask' : 'known'}`,
    (signal) => (ask ? getAppointment(appointmentId, signal) : Promise.resolve(null)),
  );
  const encounter = encounterId ?? appointment.data?.encounterId ?? null;
  return (
    <section className="card consult-ended" data-testid="consult-ended">
      <h2 className="card__title">{c.ended.title}</h2>
      {isDoctor ? (
        <>
          <p>{c.ended.doctorLead}</p>
          {encounter && (
            <Link
              to={encounterPath(encounter)}
              className="button"
              data-testid="consult-encounter-link"
            >
              {c.ended.toEncounter}
            </Link>
          )}
        </>
      ) : (
        <p>{c.ended.patientLead}</p>
      )}
    </section>
  );
}

interface RoomProps {
  session: ConsultSession;
  appointmentId: string;
  isDoctor: boolean;
}

function Room({ session, appointmentId, isDoctor }: RoomProps) {
  const state: ConsultState = useSyncExternalStore(session.subscribe, session.snapshot);
  const [admitting, setAdmitting] = useState(false);
  const phase = state.phase;
  useEffect(() => {
    // A patient who left the waiting room and came back is admitted with a fresh click.
    if (!state.patientWaiting) setAdmitting(false);
  }, [state.patientWaiting]);
  const restart = () => {
    void session.start();
  };

  switch (phase.name) {
    case 'preparing':
      return <Status text={c.preparing} />;
    case 'media':
      return <Status text={c.askingMedia} />;
    case 'connecting':
      return <Status text={c.connecting} />;
    case 'mediaRefused':
      return (
        <div data-testid="consult-media-refused" data-reason={phase.reason}>
          <Notice kind="error">
            <p>{c.media[phase.reason]}</p>
            {phase.reason !== 'insecure' && (
              <button
                type="button"
                className="button button--small"
                data-testid="consult-media-retry"
                onClick={() => {
                  void session.retryMedia();
                }}
              >
                {c.media.retry}
              </button>
            )}
          </Notice>
        </div>
      );
    case 'waiting':
      return isDoctor ? (
        <DoctorLobby
          patientWaiting={state.patientWaiting}
          localStream={state.localStream}
          busy={admitting && state.patientWaiting && !state.reconnecting}
          onAdmit={() => {
            setAdmitting(true);
            session.admit();
          }}
        />
      ) : (
        <WaitingRoom localStream={state.localStream} />
      );
    case 'call':
      return (
        <CallView
          state={state}
          isDoctor={isDoctor}
          onMic={(on) => {
            session.setMic(on);
          }}
          onCamera={(on) => {
            session.setCamera(on);
          }}
          onEnd={() => {
            session.end();
          }}
          onLeave={() => {
            session.leave();
          }}
        />
      );
    case 'left':
      return (
        <Notice kind="info">
          <p data-testid="consult-left">{c.ended.left}</p>
          <button type="button" className="button button--small" onClick={restart}>
            {c.ended.rejoin}
          </button>
        </Notice>
      );
    case 'ended':
      return (
        <Ended appointmentId={appointmentId} isDoctor={isDoctor} encounterId={state.encounterId} />
      );
    case 'refused':
      return (
        <div data-testid="consult-refused" data-reason={phase.reason}>
          {phase.error && phase.reason === 'lost' ? (
            <ErrorNotice error={phase.error} onRetry={restart} />
          ) : (
            <Notice kind="warning">
              <p>{REFUSALS[phase.reason]}</p>
              {(phase.reason === 'lost' || phase.reason === 'replaced') && (
                <button type="button" className="button button--small" onClick={restart}>
                  {c.refused.retry}
                </button>
              )}
            </Notice>
          )}
        </div>
      );
  }
}

/** ビデオ診察: one appointment's consultation, for its doctor or its patient. */
export function ConsultPage({ appointmentId }: { appointmentId: string }) {
  const { me } = useSession();
  const [session, setSession] = useState<ConsultSession | null>(null);
  const isDoctor = me.role === 'doctor';

  useEffect(() => {
    const created = new ConsultSession(appointmentId);
    setSession(created);
    void created.start();
    return () => {
      created.dispose();
    };
  }, [appointmentId]);

  const reconnecting = useSyncExternalStore(
    session?.subscribe ?? noSubscription,
    () => session?.snapshot().reconnecting ?? false,
  );

  return (
    <main className="page consult" data-testid="consult-page">
      <nav className="breadcrumb">
        <Link to={isDoctor ? '/schedule' : '/mypage'}>
          {isDoctor ? c.back.schedule : c.back.myPage}
        </Link>
      </nav>
      <div className="page__head">
        <h1>{c.title}</h1>
      </div>
      {reconnecting && (
        <div data-testid="consult-reconnecting">
          <Notice kind="warning">{c.reconnecting}</Notice>
        </div>
      )}
      {session === null ? (
        <Loading />
      ) : (
        <Room session={session} appointmentId={appointmentId} isDoctor={isDoctor} />
      )}
    </main>
  );
}

function noSubscription(): () => void {
  return () => undefined;
}
