import { Type, type Static } from '@sinclair/typebox';

/** Units a dose may be given in: a fixed list, so a typo never reaches a pharmacy. */
export const UNITS = [
  '錠',
  'カプセル',
  '包',
  'mL',
  'g',
  'mg',
  '枚',
  '本',
  '滴',
  '個',
  '噴霧',
  '単位',
];
export const ROUTES = ['内服', '頓服', '外用', '注射'];
export const FREQUENCIES = [
  '1日1回朝食後',
  '1日1回夕食後',
  '1日1回就寝前',
  '1日2回朝夕食後',
  '1日3回毎食後',
  '1日3回毎食前',
  '1日3回毎食間',
  '1日4回毎食後及び就寝前',
  '疼痛時',
  '発熱時',
  '不眠時',
  '1日数回患部に塗布',
];

const literals = (values: string[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const MedicationInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    // YJ code: 12 characters (薬効分類 4 digits, then 3 digits, a letter, 3 alphanumerics and a
    // check digit); receipt code (レセプト電算コード): 9 digits starting with 6.
    code: Type.String({ pattern: '^(?:[0-9]{7}[A-Z][0-9A-Z]{3}[0-9]|6[0-9]{8})$' }),
    dose: Type.String({ pattern: '^(?:0\\.[0-9]{1,3}|[1-9][0-9]{0,3}(?:\\.[0-9]{1,3})?)$' }),
    unit: literals(UNITS),
    frequency: literals(FREQUENCIES),
    days: Type.Integer({ minimum: 1, maximum: 90 }),
    route: literals(ROUTES),
    noSubstitution: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PrescriptionInput = Type.Object(
  {
    patientId: Type.String({ format: 'uuid' }),
    medications: Type.Array(MedicationInput, { minItems: 1, maxItems: 10 }),
    notes: Type.Optional(Type.String({ maxLength: 500 })),
    /** 使用期間: four days including the day of issue unless the doctor says otherwise. */
    validDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 14 })),
  },
  { additionalProperties: false },
);
export type PrescriptionInput = Static<typeof PrescriptionInput>;

const Medication = Type.Object(
  {
    name: Type.String(),
    code: Type.String(),
    codeSystem: Type.Union([Type.Literal('yj'), Type.Literal('receipt')]),
    dose: Type.String(),
    unit: Type.String(),
    frequency: Type.String(),
    days: Type.Integer(),
    route: Type.String(),
    noSubstitution: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const Prescription = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    patientId: Type.String({ format: 'uuid' }),
    doctorId: Type.String({ format: 'uuid' }),
    doctorName: Type.String(),
    issuedOn: Type.String({ format: 'date' }),
    validUntil: Type.String({ format: 'date' }),
    medications: Type.Array(Medication),
    notes: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([Type.Literal('active'), Type.Literal('cancelled')]),
    cancelReason: Type.Union([Type.String(), Type.Null()]),
    cancelledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type Prescription = Static<typeof Prescription>;

export const PrescriptionList = Type.Object(
  { items: Type.Array(Prescription), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);

export const CancelInput = Type.Object(
  { reason: Type.String({ minLength: 5, maxLength: 500 }) },
  { additionalProperties: false },
);
