import type { Action } from '../../src/policy/policy.js';
import { multipart, PNG } from '../files/multipart.js';
import { marked } from '../support/canary.js';
import { patientBody } from '../support/harness.js';

/** What one cell of the matrix acts on: records of the home clinic, made for the cell. */
export interface Target {
  patientId: string;
  encounterId: string;
  /** A nurse of the clinic who is not on the patient's care team. */
  staffToAssign: string;
  /** A member of the patient's care team. */
  careMember: string;
  /** An active doctor of the clinic, as the staff directory should list. */
  clinician: string;
  /** A staff account the staff-administration routes act on. */
  staffId: string;
  /** An unreviewed break-the-glass grant on the patient, held by a doctor who is not a caller. */
  grantId: string;
  /** A clean file of the patient, uploaded by a doctor in care. */
  fileId: string;
  /** An active prescription of the patient, issued by a doctor in care. */
  prescriptionId: string;
  /** A booked video appointment of the patient with doctorInCare; open to join on read targets. */
  appointmentId: string;
  /** A slot doctorInCare has free, for one booking. */
  freeSlot: { start: string; end: string };
  /** Unique per target, for values that must not repeat (emails). */
  tag: string;
}

/**
 * - `record`: acts on one existing record (patient, encounter, staff member, grant);
 * - `list`: lists records of the caller's clinic; the target listed counts as reached, the
 *   target left out as out of reach (404's counterpart for a list);
 * - `none`: creates something or lists the caller's own items: the role alone decides.
 */
export type Scope = 'record' | 'list' | 'none';

export interface RouteCase {
  /** `METHOD /path` as Fastify serves it under /api/v1, with {param} for :param. */
  route: string;
  action: Action;
  scope: Scope;
  request(target: Target): { url: string; payload?: object; headers?: Record<string, string> };
  /** For `list`: whether the answer shows the target. */
  shows?(body: unknown, target: Target): boolean;
  /**
   * A record found by its own id that a role without the right must not learn exists: such a
   * role gets the 404 of a missing record, not 403 (files, issue 6).
   */
  hidden?: true;
}

/** The marker the shared read target carries, so a list query can find it among hundreds. */
export const TARGET_KANA = 'ヒョウテキ';

export const REASON = marked('救急外来に搬送、意識障害あり。既往歴と投薬歴の確認が必要なため。');
const note = { subjective: 's', objective: 'o', assessment: 'a', plan: 'p' };

const hasItem =
  (pick: (target: Target) => string) =>
  (body: unknown, target: Target): boolean =>
    (body as { items: { id?: string }[] }).items.some((item) => item.id === pick(target));

export const MEDICATION = {
  name: 'ロキソプロフェンNa錠60mg',
  code: '1149019F1560',
  dose: '1',
  unit: '錠',
  frequency: '1日3回毎食後',
  days: 5,
  route: '内服',
};

export function uploadForm(patientId: string): { body: Buffer; contentType: string } {
  return multipart(
    { patientId, category: 'lab_result' },
    { name: 'result.png', type: 'image/png', content: PNG },
  );
}

export const ROUTES: RouteCase[] = [
  {
    route: 'GET /patients',
    action: 'patient.list',
    scope: 'list',
    request: () => ({ url: `/patients?limit=100&kana=${encodeURIComponent(TARGET_KANA)}` }),
    shows: hasItem((x) => x.patientId),
  },
  {
    route: 'POST /patients',
    action: 'patient.create',
    scope: 'none',
    request: () => ({ url: '/patients', payload: patientBody() }),
  },
  {
    route: 'GET /patients/{id}',
    action: 'patient.read',
    scope: 'record',
    request: (x) => ({ url: `/patients/${x.patientId}` }),
  },
  {
    route: 'PUT /patients/{id}',
    action: 'patient.update',
    scope: 'record',
    request: (x) => ({
      url: `/patients/${x.patientId}`,
      headers: { 'if-match': '"1"' },
      payload: patientBody({ givenName: '更新' }),
    }),
  },
  {
    route: 'GET /patients/{id}/care-team',
    action: 'care_team.read',
    scope: 'record',
    request: (x) => ({ url: `/patients/${x.patientId}/care-team` }),
  },
  {
    route: 'POST /patients/{id}/care-team',
    action: 'care_team.manage',
    scope: 'record',
    request: (x) => ({
      url: `/patients/${x.patientId}/care-team`,
      payload: { staffId: x.staffToAssign },
    }),
  },
  {
    route: 'DELETE /patients/{id}/care-team/{staffId}',
    action: 'care_team.manage',
    scope: 'record',
    request: (x) => ({ url: `/patients/${x.patientId}/care-team/${x.careMember}` }),
  },
  {
    route: 'GET /patients/{id}/encounters',
    action: 'clinical.read',
    scope: 'record',
    request: (x) => ({ url: `/patients/${x.patientId}/encounters` }),
  },
  {
    route: 'POST /patients/{id}/encounters',
    action: 'clinical.write',
    scope: 'record',
    request: (x) => ({
      url: `/patients/${x.patientId}/encounters`,
      payload: { type: 'in_person', startedAt: '2026-12-01T01:00:00.000Z', note, diagnoses: [] },
    }),
  },
  {
    route: 'GET /encounters/{id}',
    action: 'clinical.read',
    scope: 'record',
    request: (x) => ({ url: `/encounters/${x.encounterId}` }),
  },
  {
    route: 'POST /encounters/{id}/amendments',
    action: 'clinical.write',
    scope: 'record',
    request: (x) => ({
      url: `/encounters/${x.encounterId}/amendments`,
      payload: { baseVersion: 1, reason: '追記', note, diagnoses: [] },
    }),
  },
  {
    route: 'GET /patients/{id}/observations',
    action: 'clinical.read',
    scope: 'record',
    request: (x) => ({ url: `/patients/${x.patientId}/observations` }),
  },
  {
    route: 'GET /patients/{id}/medications',
    action: 'clinical.read',
    scope: 'record',
    request: (x) => ({ url: `/patients/${x.patientId}/medications` }),
  },
  {
    route: 'POST /patients/{id}/portal-account',
    action: 'portal.link',
    scope: 'record',
    request: (x) => ({
      url: `/patients/${x.patientId}/portal-account`,
      payload: { email: `p-${x.tag}@home.example`, temporaryPassword: 'portal-temporary-pass-5' },
    }),
  },
  {
    route: 'POST /patients/{id}/break-glass',
    action: 'break_glass.request',
    scope: 'record',
    request: (x) => ({ url: `/patients/${x.patientId}/break-glass`, payload: { reason: REASON } }),
  },
  {
    route: 'GET /break-glass/mine',
    action: 'break_glass.request',
    scope: 'none',
    request: () => ({ url: '/break-glass/mine' }),
  },
  {
    route: 'GET /break-glass',
    action: 'break_glass.review',
    scope: 'list',
    request: () => ({ url: '/break-glass?limit=100' }),
    shows: hasItem((x) => x.grantId),
  },
  {
    route: 'POST /break-glass/{id}/review',
    action: 'break_glass.review',
    scope: 'record',
    request: (x) => ({ url: `/break-glass/${x.grantId}/review` }),
  },
  {
    route: 'POST /files/upload',
    action: 'file.upload',
    scope: 'record',
    request: (x) => {
      const form = uploadForm(x.patientId);
      return {
        url: '/files/upload',
        payload: form.body,
        headers: { 'content-type': form.contentType },
      };
    },
  },
  {
    route: 'GET /patients/{id}/files',
    action: 'file.read',
    scope: 'record',
    request: (x) => ({ url: `/patients/${x.patientId}/files` }),
  },
  {
    route: 'GET /files/{id}',
    action: 'file.read',
    scope: 'record',
    hidden: true,
    request: (x) => ({ url: `/files/${x.fileId}` }),
  },
  {
    route: 'GET /files/{id}/download-url',
    action: 'file.read',
    scope: 'record',
    hidden: true,
    request: (x) => ({ url: `/files/${x.fileId}/download-url` }),
  },
  {
    route: 'POST /prescriptions',
    action: 'prescription.issue',
    scope: 'record',
    request: (x) => ({
      url: '/prescriptions',
      payload: { patientId: x.patientId, medications: [MEDICATION] },
    }),
  },
  {
    route: 'GET /patients/{id}/prescriptions',
    action: 'prescription.read',
    scope: 'record',
    request: (x) => ({ url: `/patients/${x.patientId}/prescriptions` }),
  },
  {
    route: 'GET /prescriptions/{id}',
    action: 'prescription.read',
    scope: 'record',
    request: (x) => ({ url: `/prescriptions/${x.prescriptionId}` }),
  },
  {
    route: 'GET /prescriptions/{id}/pdf-url',
    action: 'prescription.read',
    scope: 'record',
    request: (x) => ({ url: `/prescriptions/${x.prescriptionId}/pdf-url` }),
  },
  {
    route: 'POST /prescriptions/{id}/cancel',
    action: 'prescription.cancel',
    scope: 'record',
    request: (x) => ({
      url: `/prescriptions/${x.prescriptionId}/cancel`,
      payload: { reason: '用量変更のため' },
    }),
  },
  {
    route: 'GET /audit',
    action: 'audit.read',
    scope: 'none',
    request: () => ({ url: '/audit?limit=5' }),
  },
  {
    route: 'GET /audit/verify',
    action: 'audit.read',
    scope: 'none',
    request: () => ({ url: '/audit/verify' }),
  },
  {
    route: 'GET /staff',
    action: 'staff.manage',
    scope: 'list',
    request: () => ({ url: '/staff' }),
    shows: hasItem((x) => x.staffId),
  },
  {
    route: 'GET /staff/directory',
    action: 'staff.directory',
    scope: 'list',
    request: () => ({ url: '/staff/directory?limit=100' }),
    shows: hasItem((x) => x.clinician),
  },
  {
    route: 'POST /staff',
    action: 'staff.manage',
    scope: 'none',
    request: (x) => ({
      url: '/staff',
      payload: {
        email: `s-${x.tag}@clinic.example`,
        displayName: '新人 看護師',
        role: 'nurse',
        temporaryPassword: 'staff-temporary-pass-5',
      },
    }),
  },
  {
    route: 'PATCH /staff/{id}',
    action: 'staff.manage',
    scope: 'record',
    request: (x) => ({ url: `/staff/${x.staffId}`, payload: { role: 'clerk' } }),
  },
  {
    route: 'POST /staff/{id}/sessions/revoke-all',
    action: 'staff.manage',
    scope: 'record',
    request: (x) => ({ url: `/staff/${x.staffId}/sessions/revoke-all` }),
  },
  {
    route: 'POST /staff/{id}/mfa/reset',
    action: 'staff.manage',
    scope: 'record',
    request: (x) => ({ url: `/staff/${x.staffId}/mfa/reset` }),
  },
  {
    route: 'POST /staff/{id}/unlock',
    action: 'staff.manage',
    scope: 'record',
    request: (x) => ({ url: `/staff/${x.staffId}/unlock` }),
  },
  {
    route: 'GET /appointments',
    action: 'appointment.read',
    scope: 'list',
    request: () => ({ url: '/appointments?limit=100' }),
    shows: hasItem((x) => x.appointmentId),
  },
  {
    route: 'POST /appointments',
    action: 'appointment.book',
    scope: 'record',
    request: (x) => ({
      url: '/appointments',
      payload: { doctorId: x.clinician, patientId: x.patientId, type: 'video', ...x.freeSlot },
    }),
  },
  {
    route: 'GET /appointments/{id}',
    action: 'appointment.read',
    scope: 'record',
    request: (x) => ({ url: `/appointments/${x.appointmentId}` }),
  },
  {
    route: 'PATCH /appointments/{id}',
    action: 'appointment.change',
    scope: 'record',
    request: (x) => ({
      url: `/appointments/${x.appointmentId}`,
      payload: { status: 'cancelled', cancelReason: '患者都合' },
    }),
  },
  {
    route: 'GET /appointments/{id}/video-token',
    action: 'appointment.join',
    scope: 'record',
    request: (x) => ({ url: `/appointments/${x.appointmentId}/video-token` }),
  },
];

/**
 * Routes about the caller's own account, which every signed-in caller may use and the policy
 * does not govern: signing in and out, MFA, the own password, own sessions, `me`.
 */
export const OWN_ACCOUNT_ROUTES = [
  'POST /auth/login',
  'POST /auth/logout',
  'POST /auth/password',
  'POST /auth/password/initial',
  'POST /auth/mfa/verify',
  'POST /auth/mfa/totp/enroll',
  'POST /auth/mfa/totp/confirm',
  'POST /auth/mfa/step-up',
  'POST /auth/refresh',
  'GET /auth/sessions',
  'POST /auth/sessions/revoke-all',
  'DELETE /auth/sessions/{id}',
  'GET /me',
];

/**
 * The signaling WebSocket: no access token and no policy action. A room token in its first
 * message opens one room to its two participants (issued by `GET /appointments/{id}/video-token`,
 * whose cells are above), and the appointment is checked again at the socket. Every refusal —
 * another patient, another clinic's doctor, a colleague in care, cancelled, outside the window,
 * bad tokens — is tested over a real socket in test/consultations/refusals.test.ts.
 */
export const SOCKET_ROUTES = ['GET /signaling'];
