// Patient portal accounts, created at the front desk for one patient record each.
import { requestJson } from './client';
import type { PortalAccount } from './types';

/** The patient replaces the temporary password at first login; 409 when one exists already. */
export function createPortalAccount(
  patientId: string,
  email: string,
  temporaryPassword: string,
): Promise<PortalAccount> {
  const path = `/api/v1/patients/${encodeURIComponent(patientId)}/portal-account`;
  return requestJson(path, { method: 'POST', body: { email, temporaryPassword } });
}
