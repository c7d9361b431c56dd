import { Type, type Static } from '@sinclair/typebox';

const Uuid = Type.String({ format: 'uuid' });
const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const AuditQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    actorId: Type.Optional(Uuid),
    patientId: Type.Optional(Uuid),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z_.]+$' })),
    outcome: Type.Optional(
      Type.Union([Type.Literal('success'), Type.Literal('denied'), Type.Literal('failure')]),
    ),
    limit: Type.Optional(Type.String({ pattern: '^(200|1[0-9]{2}|[1-9][0-9]?)$' })),
    cursor: Type.Optional(Type.String({ maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditItem = Type.Object(
  {
    id: Type.String(),
    seq: Type.Integer(),
    occurredAt: Type.String(),
    actorId: nullable(Type.String()),
    actorRole: Type.String(),
    action: Type.String(),
    outcome: Type.Union([Type.Literal('success'), Type.Literal('denied'), Type.Literal('failure')]),
    severity: Type.Union([Type.Literal('info'), Type.Literal('high')]),
    patientId: nullable(Type.String()),
    resourceType: nullable(Type.String()),
    resourceId: nullable(Type.String()),
    requestId: nullable(Type.String()),
    clientIp: nullable(Type.String()),
    reason: nullable(Type.String()),
  },
  { additionalProperties: false },
);
export type AuditItem = Static<typeof AuditItem>;

export const AuditPage = Type.Object(
  { items: Type.Array(AuditItem), nextCursor: nullable(Type.String()) },
  { additionalProperties: false },
);

const Problem = Type.Union([
  Type.Literal('hash_mismatch'),
  Type.Literal('missing_event'),
  Type.Literal('inserted_event'),
  Type.Literal('reordered'),
  Type.Literal('bad_checkpoint'),
  Type.Literal('missing_anchor'),
]);

export const VerifyAnswer = Type.Object(
  {
    status: Type.Union([Type.Literal('intact'), Type.Literal('broken')]),
    checkedEvents: Type.Integer(),
    pendingEvents: Type.Integer(),
    anchor: Type.Union([
      Type.Object({ position: Type.Integer(), at: Type.String() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    lastCheckpoint: Type.Union([
      Type.Object(
        { position: Type.Integer(), at: Type.String(), signatureValid: Type.Boolean() },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    firstBroken: Type.Union([
      Type.Object(
        {
          position: Type.Integer(),
          seq: Type.Union([Type.Integer(), Type.Null()]),
          eventId: nullable(Type.String()),
          problem: Problem,
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    verifiedAt: Type.String(),
  },
  { additionalProperties: false },
);
