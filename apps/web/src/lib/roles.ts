import type { Role, StaffRole } from '../api/types';

/** Clinical roles first: they are invited most often, and "admin" should be a deliberate choice. */
export const STAFF_ROLES: readonly StaffRole[] = ['doctor', 'nurse', 'clerk', 'admin'];

/** Doctors and nurses read and write clinical content; the server enforces it, the UI follows. */
export function canSeeClinical(role: Role): boolean {
  return role === 'doctor' || role === 'nurse';
}

/** Reception (医療事務) and administrators register patients and edit demographics. */
export function canEditDemographics(role: Role): boolean {
  return role === 'clerk' || role === 'admin';
}

/**
 * The front desk and administrators assign doctors and nurses to a patient's care team; a doctor
 * may add a colleague to the team of a patient in their own care.
 */
export function canManageCareTeam(role: Role): boolean {
  return role === 'clerk' || role === 'admin' || role === 'doctor';
}

/** Clinical staff may open a chart outside their care team in an emergency (break-the-glass). */
export function canBreakGlass(role: Role): boolean {
  return role === 'doctor' || role === 'nurse';
}

/** The front desk and administrators give patients their portal accounts. */
export function canCreatePortalAccount(role: Role): boolean {
  return role === 'clerk' || role === 'admin';
}

/** The front desk and administrators book, reschedule and cancel appointments. */
export function canBook(role: Role): boolean {
  return role === 'clerk' || role === 'admin';
}

/** The schedule (予約) is the doctors' day and the front desk's clinic day. */
export function canUseSchedule(role: Role): boolean {
  return role === 'doctor' || canBook(role);
}
