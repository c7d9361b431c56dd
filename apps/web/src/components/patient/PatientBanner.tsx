import type { Patient } from '../../api/types';
import { t } from '../../i18n';
import { formatBirthDate } from '../../lib/format';

/** Who this chart belongs to, always on top so the wrong patient is hard to miss. */
export function PatientBanner({ patient }: { patient: Patient }) {
  return (
    <div className="patient-banner">
      <h1 className="patient-banner__name">
        <span className="patient-banner__kanji">
          {patient.familyName} {patient.givenName}
        </span>
        <span className="patient-banner__kana">
          {patient.familyNameKana} {patient.givenNameKana}
        </span>
      </h1>
      <p className="patient-banner__facts">
        <span>{t.sex[patient.sex]}</span>
        <span>{formatBirthDate(patient.birthDate)}</span>
      </p>
    </div>
  );
}
