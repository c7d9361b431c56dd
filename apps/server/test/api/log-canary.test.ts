import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canaryProblems,
  capturedLogLineCount,
  forgetLogLines,
  MARKER,
  marked,
} from '../support/canary.js';
import { createClinic, patientBody, startTestApp, type TestApp } from '../support/harness.js';

let t: TestApp;
let tenantId = '';

beforeAll(async () => {
  t = await startTestApp();
  tenantId = (await createClinic(t)).tenant.id;
  // Routes that fail inside the database the way a missed race or a bad value would, with the
  // test marker in the value the database complains about. Added before the app is ready.
  const insertUser = (email: string) =>
    t.db.control
      .insertInto('users')
      .values({
        id: crypto.randomUUID(),
        tenant_id: tenantId,
        email,
        password_hash: 'x',
        role: 'clerk',
        display_name: marked('重複'),
        patient_id: null,
      })
      .execute();
  t.app.post('/test/duplicate-user', async () => {
    const email = `${MARKER}@dup.example`;
    await insertUser(email);
    await insertUser(email);
    return {};
  });
  t.app.post('/test/bad-value', async () => {
    await sql`select ${marked('not-a-uuid')}::uuid`.execute(t.db.control);
    return {};
  });
});

afterAll(async () => {
  await t.close();
});

/** The JSON log lines written since `from`. */
function linesSince(from: number): Record<string, unknown>[] {
  return t.logs
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .slice(from)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function lineCount(): number {
  return t.logs
    .join('')
    .split('\n')
    .filter((line) => line !== '').length;
}

describe('the log canary', () => {
  it('catches a patient name written into a log line', () => {
    const { familyName } = patientBody();

    t.app.log.info({ requestId: 'canary-proof' }, `opened the chart of ${String(familyName)}`);
    const problems = canaryProblems();
    forgetLogLines((line) => line.includes('canary-proof'));

    expect(problems).toEqual([expect.stringContaining(`carries the test marker ${MARKER}`)]);
    expect(canaryProblems()).toEqual([]);
  });

  it('catches a field outside the allowlist even without the marker', () => {
    t.app.log.warn({ patientId: crypto.randomUUID() }, 'canary-proof field');
    const problems = canaryProblems();
    forgetLogLines((line) => line.includes('canary-proof field'));

    expect(problems).toEqual(['log line has fields outside the allowlist: patientId']);
  });

  it('captures error lines of the app as well as completion lines', async () => {
    const before = capturedLogLineCount();

    await t.app.inject({ method: 'POST', url: '/test/bad-value', payload: {} });

    expect(capturedLogLineCount() - before).toBe(2);
  });
});

describe('database errors', () => {
  it('answers a unique violation as already_exists, and logs its SQLSTATE only', async () => {
    const from = lineCount();

    const response = await t.app.inject({
      method: 'POST',
      url: '/test/duplicate-user',
      payload: {},
    });

    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      error: {
        code: 'already_exists',
        message: 'This already exists.',
        requestId: expect.any(String) as string,
      },
    });
    const [refused, completed] = linesSince(from);
    expect(refused).toMatchObject({ level: 40, msg: 'database refused the request' });
    expect(refused?.err).toEqual({
      type: expect.any(String) as string,
      code: '23505',
      stack: expect.any(Array) as string[],
    });
    expect(JSON.stringify(refused)).not.toMatch(/duplicate|users_|dup\.example|重複/);
    expect(completed).toMatchObject({ status: 409, msg: 'request completed' });
  });

  it('answers any other database error as internal_error, logging no value and no message', async () => {
    const from = lineCount();

    const response = await t.app.inject({ method: 'POST', url: '/test/bad-value', payload: {} });

    expect(response.statusCode).toBe(500);
    expect(response.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'internal_error',
      message: 'Something went wrong on our side.',
    });
    const [failed] = linesSince(from);
    expect(failed).toMatchObject({ level: 50, err: { code: '22P02' } });
    expect(Object.keys(failed?.err ?? {}).sort()).toEqual(['code', 'stack', 'type']);
    expect(JSON.stringify(failed)).not.toMatch(/not-a-uuid|invalid input/);
    expect(response.body).not.toContain('not-a-uuid');
  });
});
