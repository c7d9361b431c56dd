import type { Role } from '../api/types';

/** Doctors and nurses read and write clinical content; the server enforces it, the UI follows. */
export function canSeeClinical(role: Role): boolean {
  return role === 'doctor' || role === 'nurse';
}

/** Reception (医療事務) and administrators register patients and edit demographics. */
export function canEditDemographics(role: Role): boolean {
  return role === 'clerk' || role === 'admin';
}
