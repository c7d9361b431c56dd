import { Type, type Static } from '@sinclair/typebox';

const Instant = Type.String({ format: 'date-time', maxLength: 40 });
const AppointmentType = Type.Union([Type.Literal('in_person'), Type.Literal('video')]);

export const AppointmentInput = Type.Object(
  {
    doctorId: Type.String({ format: 'uuid' }),
    /** Required from the front desk; a patient's own comes from their token. */
    patientId: Type.Optional(Type.String({ format: 'uuid' })),
    start: Instant,
    end: Instant,
    type: AppointmentType,
    note: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type AppointmentInput = Static<typeof AppointmentInput>;

/** Either a new time (start and end) or a cancellation with its reason; never a deletion. */
export const AppointmentChange = Type.Object(
  {
    start: Type.Optional(Instant),
    end: Type.Optional(Instant),
    status: Type.Optional(Type.Literal('cancelled')),
    cancelReason: Type.Optional(Type.String({ minLength: 2, maxLength: 500 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type AppointmentChange = Static<typeof AppointmentChange>;

export const AppointmentListQuery = Type.Object(
  {
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
    /** `me` for the calling doctor's own day (the default for a doctor). */
    doctorId: Type.Optional(Type.Union([Type.Literal('me'), Type.String({ format: 'uuid' })])),
    patientId: Type.Optional(Type.String({ format: 'uuid' })),
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type AppointmentListQuery = Static<typeof AppointmentListQuery>;

export const AppointmentParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

/** Instants are ISO 8601 in UTC; the web app shows them in Asia/Tokyo. */
export const Appointment = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    doctorId: Type.String({ format: 'uuid' }),
    patientId: Type.String({ format: 'uuid' }),
    start: Type.String({ format: 'date-time' }),
    end: Type.String({ format: 'date-time' }),
    type: AppointmentType,
    status: Type.Union([Type.Literal('booked'), Type.Literal('cancelled')]),
    note: Type.Union([Type.String(), Type.Null()]),
    cancelReason: Type.Union([Type.String(), Type.Null()]),
    cancelledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    /** The video encounter opened at admission; null until then, and for non-clinical roles. */
    encounterId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Appointment = Static<typeof Appointment>;

export const AppointmentList = Type.Object(
  { items: Type.Array(Appointment), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);

const IceServer = Type.Object(
  {
    urls: Type.Array(Type.String()),
    username: Type.String(),
    credential: Type.String(),
  },
  { additionalProperties: false },
);

export const VideoToken = Type.Object(
  {
    roomToken: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
    iceServers: Type.Array(IceServer),
  },
  { additionalProperties: false },
);
export type VideoToken = Static<typeof VideoToken>;
