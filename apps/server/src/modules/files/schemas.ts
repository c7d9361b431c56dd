import { Type, type Static } from '@sinclair/typebox';

export const FILE_CATEGORIES = [
  'referral',
  'lab_result',
  'imaging',
  'insurance_card',
  'consent',
  'other',
] as const;
export type FileCategory = (typeof FILE_CATEGORIES)[number];

export const FileView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    patientId: Type.String({ format: 'uuid' }),
    category: Type.String(),
    fileName: Type.String(),
    contentType: Type.String(),
    sizeBytes: Type.Integer(),
    status: Type.Union([
      Type.Literal('quarantined'),
      Type.Literal('clean'),
      Type.Literal('infected'),
    ]),
    uploadedAt: Type.String({ format: 'date-time' }),
    scannedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type FileView = Static<typeof FileView>;

export const FileList = Type.Object(
  { items: Type.Array(FileView), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);

export const FileIdParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const FileListQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|100)$' })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const DownloadUrl = Type.Object(
  { url: Type.String(), expiresAt: Type.String({ format: 'date-time' }) },
  { additionalProperties: false },
);
