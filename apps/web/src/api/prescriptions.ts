// Prescriptions (apps/server/src/modules/prescriptions): issued by a doctor in care after a recent MFA,
// cancelled with a reason but never deleted, each with a stored 処方箋 PDF behind a signed URL.
import { requestJson, withQuery } from './client';
import type { Page } from './types';

export interface MedicationLine {
  name: string;
  code: string;
  dose: string;
  unit: string;
  frequency: string;
  days: number;
  route: string;
  noSubstitution?: boolean;
}

export interface PrescribedMedication extends Required<MedicationLine> {
  codeSystem: 'yj' | 'receipt';
}

export interface Prescription {
  id: string;
  patientId: string;
  doctorId: string;
  doctorName: string;
  issuedOn: string;
  validUntil: string;
  medications: PrescribedMedication[];
  notes: string | null;
  status: 'active' | 'cancelled';
  cancelReason: string | null;
  cancelledAt: string | null;
  createdAt: string;
}

export interface PrescriptionInput {
  patientId: string;
  medications: MedicationLine[];
  notes?: string;
  validDays?: number;
}

export interface SignedUrl {
  url: string;
  expiresAt: string;
}

const base = '/api/v1/prescriptions';
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;

export function listPrescriptions(
  patientId: string,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<Prescription>> {
  const path = `/api/v1/patients/${encodeURIComponent(patientId)}/prescriptions`;
  return requestJson(withQuery(path, { limit: 20, cursor }), { signal });
}

/** 401 `step_up_required` when the last MFA is older than 15 minutes: ask for a code, retry. */
export function issuePrescription(input: PrescriptionInput): Promise<Prescription> {
  return requestJson(base, { method: 'POST', body: input });
}

export function cancelPrescription(id: string, reason: string): Promise<Prescription> {
  return requestJson(`${one(id)}/cancel`, { method: 'POST', body: { reason } });
}

/** A short-lived signed GET of the PDF (409 `prescription_cancelled` once cancelled). */
export function prescriptionPdfUrl(id: string): Promise<SignedUrl> {
  return requestJson(`${one(id)}/pdf-url`);
}
