import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFastClinic,
  startTestApp,
  type TestApp,
  type TestClinic,
} from '../support/harness.js';
import { rawSql, readTraffic, verifyOverHttp } from './support.js';

const postgresUrl = process.env.DATABASE_URL;
// A role of this test file's own on the shared server, dropped at the end.
const appRole = `mc_app_${crypto.randomBytes(4).toString('hex')}`;

let t: TestApp;
let clinic: TestClinic;
beforeAll(async () => {
  if (postgresUrl !== undefined) {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`create role ${appRole} login`);
    await admin.end();
  }
  t = await startTestApp(postgresUrl === undefined ? {} : { MEDICONNECT_DB_APP_ROLE: appRole });
  clinic = await createFastClinic(t);
  const { admin } = await readTraffic(t, clinic, 1);
  await verifyOverHttp(t, admin);
}, 60_000);
afterAll(async () => {
  await t.close();
  if (postgresUrl !== undefined) {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`drop owned by ${appRole}`);
    await admin.query(`drop role ${appRole}`);
    await admin.end();
  }
});

const TABLES = ['audit_events', 'audit_chain', 'audit_checkpoints'] as const;

describe('the audit tables are append-only, even for their owner', () => {
  for (const table of TABLES) {
    it(`refuses an UPDATE on ${table}`, async () => {
      const column = table === 'audit_events' ? 'action' : 'hash';
      await expect(
        rawSql(t, clinic.tenant, `update $S.${table} set ${column} = ${column}`),
      ).rejects.toThrow(/append-only/);
    });

    it(`refuses a DELETE on ${table}`, async () => {
      await expect(rawSql(t, clinic.tenant, `delete from $S.${table}`)).rejects.toThrow(
        /append-only/,
      );
    });

    it(`refuses a TRUNCATE of ${table}`, async () => {
      await expect(rawSql(t, clinic.tenant, `truncate $S.${table} cascade`)).rejects.toThrow(
        /append-only/,
      );
    });
  }

  it('keeps every row after the refused attempts', async () => {
    const [events] = await rawSql<{ count: string }>(
      t,
      clinic.tenant,
      `select count(*)::text as count from $S.audit_events`,
    );
    expect(Number(events?.count)).toBeGreaterThan(3);
  });
});

describe.runIf(postgresUrl !== undefined)('the application role on PostgreSQL', () => {
  async function asAppRole<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const url = new URL(postgresUrl ?? '');
    url.username = appRole;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
  const table = () => `"${clinic.tenant.schemaName}".audit_events`;

  it('may read and append audit events', async () => {
    const inserted = await asAppRole(async (client) => {
      await client.query(
        `insert into ${table()} (id, actor_role, action, outcome) values ($1, 'admin', 'test.append', 'success')`,
        [crypto.randomUUID()],
      );
      return client.query(`select count(*) from ${table()} where action = 'test.append'`);
    });
    expect(inserted.rows).toEqual([{ count: '1' }]);
  });

  it('is refused an UPDATE by its privileges, before any trigger runs', async () => {
    await expect(
      asAppRole((client) => client.query(`update ${table()} set action = 'x'`)),
    ).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/permission denied/) as string,
    });
  });

  it('is refused a DELETE by its privileges', async () => {
    await expect(
      asAppRole((client) => client.query(`delete from ${table()}`)),
    ).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/permission denied/) as string,
    });
  });

  it('is refused changes to the chain and its checkpoints', async () => {
    const s = `"${clinic.tenant.schemaName}"`;
    await expect(
      asAppRole((client) => client.query(`update ${s}.audit_chain set hash = hash`)),
    ).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/permission denied/) as string,
    });
    await expect(
      asAppRole((client) => client.query(`delete from ${s}.audit_checkpoints`)),
    ).rejects.toMatchObject({
      code: '42501',
      message: expect.stringMatching(/permission denied/) as string,
    });
  });
});
