import type { Role } from '../platform/db/tables.js';

/**
 * Who may do what, as data. A rule names the roles that may ever do an action and the
 * relationship to the patient they need for it:
 * - `tenant`: any patient of the caller's clinic (front desk, administration);
 * - `care`: clinical staff, only patients in their care (SPEC §4);
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
  'staff.manage': { admin: 'tenant' },
  'portal.link': { admin: 'tenant', clerk: 'tenant' },
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
 * patient is treated as in care for these actions only.
 */
export const BREAK_GLASS_ACTIONS: ReadonlySet<Action> = new Set([
  'patient.read',
  'clinical.read',
  'care_team.read',
]);
export const BREAK_GLASS_MINUTES = 60;
