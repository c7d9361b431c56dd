import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { Caller } from '../../http/context.js';
import { callerOf } from '../../http/context.js';
import { decodeCursor, encodeCursor, pageLimit } from '../../http/pagination.js';
import { requirePatientAccess } from '../../policy/access.js';
import { actorOf, recordAudit } from '../audit/service.js';
import { IdParams, ListQuery } from '../patients/schemas.js';

const Nullable = (schema: ReturnType<typeof Type.String>) => Type.Union([schema, Type.Null()]);
const Query = Type.Object({ ...ListQuery }, { additionalProperties: false });

const ObservationList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      encounterId: Nullable(Type.String()),
      code: Type.String(),
      display: Type.String(),
      value: Type.String(),
      unit: Nullable(Type.String()),
      effectiveAt: Nullable(Type.String()),
    }),
  ),
  nextCursor: Nullable(Type.String()),
});

const MedicationList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      encounterId: Nullable(Type.String()),
      code: Nullable(Type.String()),
      display: Type.String(),
      dosage: Nullable(Type.String()),
      status: Type.String(),
      authoredAt: Nullable(Type.String()),
    }),
  ),
  nextCursor: Nullable(Type.String()),
});

// Rows without a time sort last; the cursor carries the time as '' for them.
const NO_TIME = '';

/** Observations and medication history (from imports): read-only, clinical staff in care. */
export const clinicalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/patients/:id/observations',
    {
      schema: { params: IdParams, querystring: Query, response: { 200: ObservationList } },
    },
    async (request) => {
      const caller = callerOf(request);
      const patientId = request.params.id;
      return readPage(
        caller,
        patientId,
        'observation.list',
        async (limit, after) => {
          let select = caller.tenant.db
            .selectFrom('observations')
            .selectAll()
            .where('patient_id', '=', patientId);
          if (after !== null) select = select.where(afterKey('effective_at', after));
          const rows = await caller.tenant.fields.openAll(
            'observations',
            await select
              .orderBy('effective_at', (ob) => ob.desc().nullsLast())
              .orderBy('id')
              .limit(limit + 1)
              .execute(),
          );
          return rows.map((row) => ({
            key: [row.effective_at?.toISOString() ?? NO_TIME, row.id],
            item: {
              id: row.id,
              encounterId: row.encounter_id,
              code: row.code,
              display: row.display,
              value: row.value_text,
              unit: row.unit,
              effectiveAt: row.effective_at?.toISOString() ?? null,
            },
          }));
        },
        request.query,
      );
    },
  );

  app.get(
    '/patients/:id/medications',
    {
      schema: { params: IdParams, querystring: Query, response: { 200: MedicationList } },
    },
    async (request) => {
      const caller = callerOf(request);
      const patientId = request.params.id;
      return readPage(
        caller,
        patientId,
        'medication.list',
        async (limit, after) => {
          let select = caller.tenant.db
            .selectFrom('medications')
            .selectAll()
            .where('patient_id', '=', patientId);
          if (after !== null) select = select.where(afterKey('authored_at', after));
          const rows = await caller.tenant.fields.openAll(
            'medications',
            await select
              .orderBy('authored_at', (ob) => ob.desc().nullsLast())
              .orderBy('id')
              .limit(limit + 1)
              .execute(),
          );
          return rows.map((row) => ({
            key: [row.authored_at?.toISOString() ?? NO_TIME, row.id],
            item: {
              id: row.id,
              encounterId: row.encounter_id,
              code: row.code,
              display: row.display,
              dosage: row.dosage,
              status: row.status,
              authoredAt: row.authored_at?.toISOString() ?? null,
            },
          }));
        },
        request.query,
      );
    },
  );
};

/** Descending time with nulls last, then ascending id: the rows after the cursor's key. */
function afterKey(column: 'effective_at' | 'authored_at', [time = NO_TIME, id = '']: string[]) {
  const col = sql.ref(column);
  if (time === NO_TIME) return sql<boolean>`(${col} is null and id > ${id})`;
  const at = new Date(time);
  return sql<boolean>`(${col} < ${at} or ${col} is null or (${col} = ${at} and id > ${id}))`;
}

async function readPage<T>(
  caller: Caller,
  patientId: string,
  action: string,
  load: (limit: number, after: string[] | null) => Promise<{ key: string[]; item: T }[]>,
  query: { limit?: string | undefined; cursor?: string | undefined },
) {
  await requirePatientAccess(caller.tenant.db, caller, 'clinical.read', patientId);
  const limit = pageLimit(query.limit);
  const rows = await load(limit, decodeCursor(query.cursor, ['time-or-empty', 'uuid']));
  const page = rows.slice(0, limit);
  await recordAudit(caller.tenant.db, {
    ...actorOf(caller),
    action,
    patientId,
    details: { count: page.length },
  });
  const last = page[page.length - 1];
  return {
    items: page.map((row) => row.item),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.key) : null,
  };
}
