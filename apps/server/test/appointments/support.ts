import type { LightMyRequestResponse } from 'fastify';
import {
  bearer,
  createFastClinic,
  createPatient,
  type Staff,
  type TestApp,
  type TestClinic,
} from '../support/harness.js';

export interface Setting {
  clinic: TestClinic;
  clerk: Staff;
  doctor: Staff;
  patientId: string;
}

/** A fresh clinic with a clerk, a doctor and a patient who is in nobody's care yet. */
export async function setting(t: TestApp): Promise<Setting> {
  const clinic = await createFastClinic(t);
  const clerk = await clinic.staff('clerk');
  const doctor = await clinic.staff('doctor');
  const { id: patientId } = await createPatient(t, clerk);
  return { clinic, clerk, doctor, patientId };
}

/** An ISO instant this many minutes from now, to the minute (so slots line up exactly). */
export function inMinutes(minutes: number): string {
  const now = new Date();
  now.setUTCSeconds(0, 0);
  return new Date(now.getTime() + minutes * 60_000).toISOString();
}

export function book(
  t: TestApp,
  by: Staff,
  body: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/appointments',
    headers: bearer(by),
    payload: { type: 'video', ...body },
  });
}

export async function booked(
  t: TestApp,
  by: Staff,
  body: Record<string, unknown>,
): Promise<{ id: string }> {
  const response = await book(t, by, body);
  if (response.statusCode !== 201) throw new Error(`booking failed: ${response.body}`);
  return response.json();
}

export function get(t: TestApp, by: Staff, url: string): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url, headers: bearer(by) });
}

export function patch(
  t: TestApp,
  by: Staff,
  id: string,
  body: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'PATCH',
    url: `/api/v1/appointments/${id}`,
    headers: bearer(by),
    payload: body,
  });
}
