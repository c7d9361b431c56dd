import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createServices, type Services } from '../../src/app.js';
import type { Platform } from '../../src/platform/index.js';
import { RedisStore } from '../../src/platform/store/redis-store.js';
import type { Store } from '../../src/platform/store/store.js';
import { auditEvents, startTestApp, type TestApp } from '../support/harness.js';
import { ANSWER, CANDIDATE, OFFER, join, listen, roomToken, videoVisit } from './support.js';

/**
 * Two API instances in one process, sharing one database and one shared store: with the
 * embedded store, the same in-process store; with REDIS_URL, two separate Redis connections,
 * as two servers would have. Each instance has its own sockets and rooms; only the store's
 * pub/sub connects them.
 */
let t: TestApp;
let urlA: string;
let urlB: string;
let second: { app: FastifyInstance; services: Services; store: Store };
beforeAll(async () => {
  t = await startTestApp();
  urlA = await listen(t);
  const store =
    t.store.kind === 'redis'
      ? await RedisStore.connect(t.config.redisUrl ?? '', t.config.redisPrefix)
      : t.store;
  const platform: Platform = { ...t.platform, store };
  const services = createServices(platform);
  const app = await buildApp(platform, services);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  urlB = `ws://127.0.0.1:${String(port)}/api/v1/signaling`;
  second = { app, services, store };
});
afterAll(async () => {
  await second.app.close();
  if (second.store !== t.store) await second.store.close();
  await t.close();
});

describe(`two instances sharing the ${process.env.REDIS_URL === undefined ? 'in-process' : 'Redis'} store`, () => {
  it('relays between a patient on one and a doctor on the other, start to end', async () => {
    const visit = await videoVisit(t);
    const patient = await join(urlA, await roomToken(t, visit.patient, visit.id));
    const doctor = await join(urlB, await roomToken(t, visit.doctor, visit.id));

    expect(doctor.welcome).toMatchObject({ peerPresent: true, state: 'waiting' });
    await doctor.client.next('patient-waiting');
    doctor.client.send({ type: 'admit' });
    await patient.client.next('admitted');
    await doctor.client.next('admitted');
    doctor.client.send({ type: 'signal', data: OFFER });
    expect(await patient.client.next('signal')).toEqual({ type: 'signal', data: OFFER });
    patient.client.send({ type: 'signal', data: ANSWER });
    patient.client.send({ type: 'signal', data: CANDIDATE });
    expect(await doctor.client.next('signal')).toEqual({ type: 'signal', data: ANSWER });
    expect(await doctor.client.next('signal')).toEqual({ type: 'signal', data: CANDIDATE });
    doctor.client.send({ type: 'end' });

    expect(await patient.client.closeCode()).toEqual({ code: 4000, reason: 'ended' });
    expect(await doctor.client.closeCode()).toEqual({ code: 4000, reason: 'ended' });
  });

  it('tells the doctor on one instance of a patient arriving on the other', async () => {
    const visit = await videoVisit(t);
    const doctor = await join(urlA, await roomToken(t, visit.doctor, visit.id));

    await join(urlB, await roomToken(t, visit.patient, visit.id));

    await doctor.client.next('patient-waiting');
  });

  it('keeps a waiting patient’s signal on its own instance', async () => {
    const visit = await videoVisit(t);
    const patient = await join(urlA, await roomToken(t, visit.patient, visit.id));
    const doctor = await join(urlB, await roomToken(t, visit.doctor, visit.id));
    await doctor.client.next('patient-waiting');

    patient.client.send({ type: 'signal', data: OFFER });
    await patient.client.next('error');
    doctor.client.send({ type: 'admit' });
    await doctor.client.next('admitted');
    patient.client.send({ type: 'signal', data: ANSWER });

    expect(await doctor.client.next('signal')).toEqual({ type: 'signal', data: ANSWER });
    expect(doctor.client.all('signal')).toHaveLength(1);
  });

  it('replaces a socket on one instance with the same participant’s new one on the other', async () => {
    const visit = await videoVisit(t);
    const first = await join(urlA, await roomToken(t, visit.patient, visit.id));

    await join(urlB, await roomToken(t, visit.patient, visit.id));

    expect(await first.client.closeCode()).toEqual({ code: 4409, reason: 'replaced' });
  });

  it('resumes an admitted patient who comes back through the other instance', async () => {
    const visit = await videoVisit(t);
    const patient = await join(urlA, await roomToken(t, visit.patient, visit.id));
    const doctor = await join(urlA, await roomToken(t, visit.doctor, visit.id));
    await doctor.client.next('patient-waiting');
    doctor.client.send({ type: 'admit' });
    await patient.client.next('admitted');
    patient.client.ws.terminate();
    await doctor.client.next('peer-left');

    const back = await join(urlB, await roomToken(t, visit.patient, visit.id));

    expect(back.welcome).toMatchObject({ state: 'admitted', peerPresent: true });
    expect(await doctor.client.next('peer-joined')).toEqual({
      type: 'peer-joined',
      role: 'patient',
    });
    doctor.client.send({ type: 'signal', data: OFFER });
    expect(await back.client.next('signal')).toEqual({ type: 'signal', data: OFFER });
  });

  it('opens one encounter when both instances admit at the same instant', async () => {
    const visit = await videoVisit(t);
    const tenant = t.services.tenants.handle(visit.clinic.tenant);
    const doctor = (services: Services) =>
      services.consultations.admit({
        tenant,
        userId: visit.doctor.id,
        role: 'doctor',
        appointmentId: visit.id,
        requestId: crypto.randomUUID(),
        clientIp: '127.0.0.1',
      });

    const results = await Promise.all([doctor(t.services), doctor(second.services)]);
    const rows = await tenant.db
      .selectFrom('encounters')
      .select('id')
      .where('appointment_id', '=', visit.id)
      .execute();
    const admits = (await auditEvents(t, visit.clinic.tenant)).filter(
      (e) => e.action === 'consultation.admit',
    );

    expect(results.map((r) => r.ok && r.encounterId)).toEqual([rows[0]?.id, rows[0]?.id]);
    expect(rows).toHaveLength(1);
    expect(admits).toHaveLength(1);
  });
});
