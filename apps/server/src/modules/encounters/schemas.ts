import { Type, type Static } from '@sinclair/typebox';
import { ListQuery } from '../patients/schemas.js';

const noteText = Type.String({ maxLength: 20000 });

export const SoapNote = Type.Object(
  { subjective: noteText, objective: noteText, assessment: noteText, plan: noteText },
  { additionalProperties: false },
);

/** ICD-10: a letter, two digits, an optional subdivision (J06.9, E11.65). */
export const ICD10 = /^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$/;

/**
 * A diagnosis. Entered in MediConnect it is ICD-10 and `codeSystem` is absent or null. An
 * imported one keeps its source's system (SNOMED CT from Synthea, say), so amending such an
 * encounter can carry it forward without it ever posing as ICD-10 (checked in the service).
 */
export const Diagnosis = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9.-]+$' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    codeSystem: Type.Optional(
      Type.Union([Type.String({ format: 'uri', maxLength: 200 }), Type.Null()]),
    ),
  },
  { additionalProperties: false },
);

export const EncounterInput = Type.Object(
  {
    type: Type.Union([Type.Literal('in_person'), Type.Literal('video')]),
    startedAt: Type.String({ format: 'date-time' }),
    note: SoapNote,
    diagnoses: Type.Array(Diagnosis, { maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type EncounterInput = Static<typeof EncounterInput>;

export const AmendmentInput = Type.Object(
  {
    baseVersion: Type.Integer({ minimum: 1 }),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    note: SoapNote,
    diagnoses: Type.Array(Diagnosis, { maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type AmendmentInput = Static<typeof AmendmentInput>;

const NoteOut = Type.Object({
  subjective: Type.String(),
  objective: Type.String(),
  assessment: Type.String(),
  plan: Type.String(),
});
const DiagnosisOut = Type.Object({
  code: Type.String(),
  name: Type.String(),
  codeSystem: Type.Union([Type.String(), Type.Null()]),
});

export const EncounterVersion = Type.Object({
  version: Type.Integer(),
  note: NoteOut,
  diagnoses: Type.Array(DiagnosisOut),
  authorId: Type.Union([Type.String(), Type.Null()]),
  authorName: Type.String(),
  createdAt: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
});
export type EncounterVersion = Static<typeof EncounterVersion>;

export const Encounter = Type.Object({
  id: Type.String(),
  patientId: Type.String(),
  type: Type.String(),
  startedAt: Type.String(),
  clinicianName: Type.String(),
  currentVersion: Type.Integer(),
  note: NoteOut,
  diagnoses: Type.Array(DiagnosisOut),
  updatedAt: Type.String(),
  versions: Type.Optional(Type.Array(EncounterVersion)),
});
export type Encounter = Static<typeof Encounter>;

export const EncounterList = Type.Object({
  items: Type.Array(Encounter),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const EncounterListQuery = Type.Object({ ...ListQuery }, { additionalProperties: false });
