import type { ReactNode } from 'react';
import type { Patient } from '../../api/types';
import { t } from '../../i18n';
import { formatBirthDate, formatDateTime } from '../../lib/format';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function orDash(value: string | null): string {
  return value ?? t.common.empty;
}

export function Demographics({ patient }: { patient: Patient }) {
  const p = t.patient;
  const { insurance } = patient;
  const address = [patient.postalCode ? `〒${patient.postalCode}` : null, patient.address]
    .filter((part) => part !== null)
    .join(' ');
  return (
    <div className="demographics">
      <section className="card">
        <h2 className="card__title">{p.tabs.profile}</h2>
        <dl className="facts">
          <Row label={p.name}>
            {patient.familyName} {patient.givenName}
          </Row>
          <Row label={p.kana}>
            {patient.familyNameKana} {patient.givenNameKana}
          </Row>
          <Row label={p.birthDate}>{formatBirthDate(patient.birthDate)}</Row>
          <Row label={p.sex}>{t.sex[patient.sex]}</Row>
          <Row label={p.phone}>{orDash(patient.phone)}</Row>
          <Row label={p.email}>{orDash(patient.email)}</Row>
          <Row label={p.address}>{address || t.common.empty}</Row>
          <Row label={p.updatedAt}>{formatDateTime(patient.updatedAt)}</Row>
        </dl>
      </section>
      <section className="card">
        <h2 className="card__title">{p.insurance}</h2>
        {insurance ? (
          <dl className="facts">
            <Row label={p.insurerNumber}>
              <span className="mono">{insurance.insurerNumber}</span>
            </Row>
            <Row label={p.symbol}>{orDash(insurance.symbol)}</Row>
            <Row label={p.number}>{insurance.number}</Row>
            <Row label={p.branch}>{orDash(insurance.branch)}</Row>
          </dl>
        ) : (
          <p className="muted">{p.noInsurance}</p>
        )}
      </section>
    </div>
  );
}
