import { Type, type Static } from '@sinclair/typebox';

const text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const nullableText = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const ListQuery = {
  limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$' })),
  cursor: Type.Optional(Type.String({ maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' })),
};

export const Insurance = Type.Object(
  {
    insurerNumber: Type.String({ minLength: 6, maxLength: 16 }),
    symbol: nullableText(40),
    number: Type.String({ minLength: 1, maxLength: 40 }),
    branch: Type.Union([Type.String({ pattern: '^[0-9０-９]{1,2}$' }), Type.Null()]),
  },
  { additionalProperties: false },
);

export const PatientInput = Type.Object(
  {
    familyName: text(100),
    givenName: text(100),
    familyNameKana: text(100),
    givenNameKana: text(100),
    birthDate: Type.String({ format: 'date' }),
    sex: Type.Union([
      Type.Literal('male'),
      Type.Literal('female'),
      Type.Literal('other'),
      Type.Literal('unknown'),
    ]),
    phone: Type.Optional(
      Type.Union([Type.String({ pattern: '^[0-9０-９+()\\- ]{1,20}$' }), Type.Null()]),
    ),
    email: Type.Optional(
      Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Null()]),
    ),
    postalCode: Type.Optional(
      Type.Union([Type.String({ pattern: '^[0-9０-９]{3}-?[0-9０-９]{4}$' }), Type.Null()]),
    ),
    address: Type.Optional(nullableText(300)),
    insurance: Type.Optional(Type.Union([Insurance, Type.Null()])),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type PatientInput = Static<typeof PatientInput>;

export const Patient = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  familyName: Type.String(),
  givenName: Type.String(),
  familyNameKana: Type.Union([Type.String(), Type.Null()]),
  givenNameKana: Type.Union([Type.String(), Type.Null()]),
  birthDate: Type.String(),
  sex: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  postalCode: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  insurance: Type.Union([
    Type.Object({
      insurerNumber: Type.String(),
      symbol: Type.Union([Type.String(), Type.Null()]),
      number: Type.String(),
      branch: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Patient = Static<typeof Patient>;

export const PatientList = Type.Object({
  items: Type.Array(Patient),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const PatientListQuery = Type.Object(
  {
    kana: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    // 被保険者番号, exact match (full-width digits, spaces and hyphens are normalized away).
    insuranceNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    ...ListQuery,
  },
  { additionalProperties: false },
);
