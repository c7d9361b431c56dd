import { consult as c } from '../../i18n/consult';
import { VideoView } from './VideoView';

/** 待合室: the patient waits, seeing their own picture, until the doctor lets them in. */
export function WaitingRoom({ localStream }: { localStream: MediaStream | null }) {
  return (
    <section className="card consult-lobby" data-testid="consult-waiting-room">
      <h2 className="card__title">{c.waitingRoom.title}</h2>
      <p className="lead" role="status">
        {c.waitingRoom.lead}
      </p>
      <VideoView
        stream={localStream}
        muted
        label={c.call.local}
        className="consult-video consult-video--preview"
        testId="consult-local-video"
      />
    </section>
  );
}

interface DoctorLobbyProps {
  patientWaiting: boolean;
  localStream: MediaStream | null;
  onAdmit: () => void;
  busy: boolean;
}

/** The doctor's side before admission: who is waiting, and the door. */
export function DoctorLobby({ patientWaiting, localStream, onAdmit, busy }: DoctorLobbyProps) {
  return (
    <section className="card consult-lobby" data-testid="consult-doctor-lobby">
      <h2 className="card__title">{c.doctorWaiting.title}</h2>
      {patientWaiting ? (
        <div className="consult-lobby__waiting" role="status" data-testid="consult-patient-waiting">
          <p className="lead">{c.doctorWaiting.patientWaiting}</p>
          <button
            type="button"
            className="button"
            data-testid="consult-admit"
            disabled={busy}
            onClick={onAdmit}
          >
            {busy ? c.doctorWaiting.admitting : c.doctorWaiting.admit}
          </button>
        </div>
      ) : (
        <p className="muted" role="status">
          {c.doctorWaiting.noPatient}
        </p>
      )}
      <VideoView
        stream={localStream}
        muted
        label={c.call.local}
        className="consult-video consult-video--preview"
        testId="consult-local-video"
      />
    </section>
  );
}
