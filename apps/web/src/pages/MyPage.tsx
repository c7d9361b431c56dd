import { getPatient } from '../api/patients';
import { ErrorNotice, Loading, Notice } from '../components/Notice';
import { Demographics } from '../components/patient/Demographics';
import { MyAppointments } from '../components/portal/MyAppointments';
import { MyPrescriptions } from '../components/prescriptions/MyPrescriptions';
import { useResource } from '../hooks/useResource';
import { t } from '../i18n';
import { useSession } from '../session';

/** マイページ: a patient's own record, read-only. */
export function MyPage() {
  const { me } = useSession();
  // Absent from servers that predate the field; null for an account linked to no record.
  const patientId = me.patientId ?? null;
  const m = t.myPage;

  return (
    <main className="page" data-testid="my-page">
      <div className="page__head">
        <h1>
          {m.title}
          <span className="page__subtitle">{me.displayName}</span>
        </h1>
      </div>
      {patientId === null ? (
        <Notice kind="info">{m.notLinked}</Notice>
      ) : (
        <OwnRecord patientId={patientId} />
      )}
    </main>
  );
}

function OwnRecord({ patientId }: { patientId: string }) {
  const patient = useResource(`patient:${patientId}`, (signal) => getPatient(patientId, signal));
  if (!patient.data) {
    return (
      <>
        {patient.loading && <Loading />}
        {patient.error && <ErrorNotice error={patient.error} onRetry={patient.reload} />}
      </>
    );
  }
  return (
    <>
      <p className="muted lead">{t.myPage.lead}</p>
      <MyAppointments />
      <Demographics patient={patient.data} />
      <MyPrescriptions patientId={patientId} />
    </>
  );
}
