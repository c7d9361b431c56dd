import type { Role } from '../platform/db/tables.js';

/**
 * Who may do what, as data. A rule names the roles that may ever do an action and the
 * relationship to the patient they need for it:
 * - `tenant`: any patient of the caller's clinic (front desk, administration);
 * - `care`: clinical staff, only patients in their care (SPEC §4): an active care-team
 *   assignment or a recent encounter of theirs (ENCOUNTER_CARE_DAYS); a break-the-glass grant
 *   stands in for it for reading only (BREAK_GLASS_ACTIONS);
 * - `self`: a patient, only their own record.
 * A role missing from an action's rule gets 403; a role without the needed relationship gets
 * 404, the same answer as a patient that does not exist.
 */
export type Relationship = 'tenant' | 'care' | 'self';

export const policy = {
  'patient.list': { admin: 'tenant', clerk: 'tenant', doctor: 'care', nurse: 'care' },
  'patient.create': { admin: 'tenant', clerk: 'tenant' },
  'patient.read': {
    admin: 'tenant',
    clerk: 'tenant',
    doctor: 'care',
    nurse: 'care',
    patient: 'self',
  },
  'patient.update': { admin: 'tenant', clerk: 'tenant' },
  'care_team.read': { admin: 'tenant', clerk: 'tenant', doctor: 'care', nurse: 'care' },
  'care_team.manage': { admin: 'tenant', clerk: 'tenant', doctor: 'care' },
  'clinical.read': { doctor: 'care', nurse: 'care' },
  'clinical.write': { doctor: 'care', nurse: 'care' },
  // Files are clinical: a clerk never sees them; a patient sees their own clean files.
  'file.upload': { doctor: 'care', nurse: 'care' },
  'file.read': { doctor: 'care', nurse: 'care', patient: 'self' },
  'prescription.issue': { doctor: 'care' },
  'prescription.read': { doctor: 'care', nurse: 'care', patient: 'self' },
  'prescription.cancel': { doctor: 'care' },
  // Appointments (SPEC §9): the front desk books for anyone, a patient for themselves. Doctors
  // and nurses read those of patients in their care; a doctor also reads their own day. Booking
  // puts the doctor in the patient's care (SPEC §4).
  'appointment.book': { admin: 'tenant', clerk: 'tenant', patient: 'self' },
  'appointment.read': {
    admin: 'tenant',
    clerk: 'tenant',
    doctor: 'care',
    nurse: 'care',
    patient: 'self',
  },
  'appointment.change': { admin: 'tenant', clerk: 'tenant', patient: 'self' },
  // Joining a video consultation: on top of this rule, only the appointment's own doctor.
  'appointment.join': { doctor: 'care', patient: 'self' },
  'staff.manage': { admin: 'tenant' },
  // Whom a patient can be put in the care of (names and roles): for those who assign care.
  'staff.directory': { admin: 'tenant', clerk: 'tenant', doctor: 'tenant' },
  'portal.link': { admin: 'tenant', clerk: 'tenant' },
  // Open a grant on any patient of the clinic, and list one's own live grants.
  'break_glass.request': { doctor: 'tenant', nurse: 'tenant' },
  'break_glass.review': { admin: 'tenant' },
  'audit.read': { admin: 'tenant' },
} as const satisfies Record<string, Partial<Record<Role, Relationship>>>;

export type Action = keyof typeof policy;

export function ruleFor(action: Action, role: Role): Relationship | undefined {
  const rule: Partial<Record<Role, Relationship>> = policy[action];
  return rule[role];
}

/**
 * What break-the-glass opens: reading, never writing. A doctor or nurse with a live grant for a
 * patient is treated as in care for these actions only. Any other `care` action under a grant
 * answers 403 `break_glass_read_only`, not 404: the record is in reach (the caller is reading
 * it), and the role may do the act in care, just not through a grant. Among them
 * `care_team.manage`: a grant must never turn itself into lasting access.
 */
export const BREAK_GLASS_ACTIONS: ReadonlySet<Action> = new Set([
  'patient.read',
  'clinical.read',
  'care_team.read',
]);
export const BREAK_GLASS_MINUTES = 60;

/**
 * `care` (SPEC §4) is an active care-team assignment, or an encounter with the patient whose
 * clinician the staff member is (`encounters.clinician_id`, set on encounters written in
 * MediConnect). The encounter relationship lasts this many days from the earlier of the
 * encounter's time and its recording (a future-dated encounter cannot stretch it): long enough
 * to follow up results and a 90-day prescription, short enough to end by itself. Removing the
 * clinician from the care team after the encounter ends it at once, as it ends an assignment.
 * Imported encounters name a practitioner record of the source system, not a MediConnect
 * account, and no trustworthy link exists between the two (names repeat): they create no
 * relationship; the import's `--assign-to` assigns the care team instead.
 */
export const ENCOUNTER_CARE_DAYS = 90;
