import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { FilesConfig } from '../../config/files-config.js';
import { callerOf } from '../../http/context.js';
import { AppError, invalid } from '../../http/errors.js';
import type { ObjectStore } from '../../platform/objects/index.js';
import { requirePatientAccess } from '../../policy/access.js';
import { IdParams } from '../patients/schemas.js';
import type { ScanWorker } from './scan-worker.js';
import {
  DownloadUrl,
  FILE_CATEGORIES,
  FileIdParams,
  FileList,
  FileListQuery,
  FileView,
  type FileCategory,
} from './schemas.js';
import { downloadUrl, getFile, listFiles, newObjectKey, recordUpload } from './service.js';
import { storeUpload, type StoredUpload } from './upload.js';

export interface FilesDeps {
  config: FilesConfig;
  objects: ObjectStore;
  scans: ScanWorker;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** @fastify/multipart's own refusals, as our error codes. */
const MULTIPART_ERRORS: Record<string, AppError> = {
  FST_FILES_LIMIT: invalid('/file', 'send one file per upload'),
  FST_PARTS_LIMIT: invalid('/', 'has too many parts'),
  FST_FIELDS_LIMIT: invalid('/', 'has too many fields'),
  FST_REQ_FILE_TOO_LARGE: new AppError('payload_too_large'),
  FST_INVALID_MULTIPART_CONTENT_TYPE: new AppError('unsupported_media_type'),
  FST_PROTO_VIOLATION: invalid('/', 'is not a valid form'),
};

export function fileRoutes(deps: FilesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Multipart bodies are accepted by these routes only; everywhere else they stay a 415.
    await app.register(multipart, { throwFileSizeLimit: false });

    app.post(
      '/files/upload',
      { schema: { response: { 201: FileView } } },
      async (request, reply) => {
        const caller = callerOf(request);
        if (!request.isMultipart()) throw new AppError('unsupported_media_type');
        const upload = await receive(request, deps, async (fields) => {
          const target = uploadTarget(fields);
          await requirePatientAccess(caller.tenant.db, caller, 'file.upload', target.patientId);
          return { target, key: newObjectKey(caller) };
        });

        const file = await recordUpload(
          caller,
          upload.patientId,
          upload.category,
          upload.stored,
        ).catch(async (error: unknown) => {
          await deps.objects.delete('quarantine', upload.stored.key).catch(() => undefined);
          throw error;
        });
        deps.scans.kick(caller.tenantId);
        return reply.code(201).send(file);
      },
    );

    app.get(
      '/files/:id',
      { schema: { params: FileIdParams, response: { 200: FileView } } },
      async (request) => getFile(callerOf(request), request.params.id),
    );

    app.get(
      '/files/:id/download-url',
      { schema: { params: FileIdParams, response: { 200: DownloadUrl } } },
      async (request) => downloadUrl(callerOf(request), deps.objects, request.params.id),
    );

    app.get(
      '/patients/:id/files',
      { schema: { params: IdParams, querystring: FileListQuery, response: { 200: FileList } } },
      async (request) => listFiles(callerOf(request), request.params.id, request.query),
    );
  };
}

interface Target {
  patientId: string;
  category: FileCategory;
}

/**
 * Reads the form: fields first (so access is checked before a byte of the file is stored),
 * then exactly one file. Whatever fails after the file was stored removes it again.
 */
async function receive(
  request: FastifyRequest,
  deps: FilesDeps,
  authorize: (fields: Map<string, string>) => Promise<{ target: Target; key: string }>,
): Promise<Target & { stored: StoredUpload }> {
  const fields = new Map<string, string>();
  let result: (Target & { stored: StoredUpload }) | null = null;
  try {
    const parts = request.parts({
      limits: { fileSize: deps.config.maxBytes, files: 1, fields: 4, fieldSize: 200, parts: 6 },
    });
    for await (const part of parts) {
      if (part.type === 'field') {
        fields.set(part.fieldname, typeof part.value === 'string' ? part.value : '');
        continue;
      }
      const { target, key } = await authorize(fields);
      result = { ...target, stored: await storeUpload(deps.objects, deps.config, key, part) };
    }
  } catch (error) {
    if (result !== null) await deps.objects.delete('quarantine', result.stored.key);
    const code = (error as { code?: string }).code;
    throw code !== undefined && code in MULTIPART_ERRORS ? MULTIPART_ERRORS[code] : error;
  }
  if (result === null) throw invalid('/file', 'is required');
  return result;
}

function uploadTarget(fields: Map<string, string>): Target {
  const patientId = fields.get('patientId');
  const category = fields.get('category');
  if (patientId === undefined || !UUID.test(patientId)) {
    throw invalid('/patientId', 'must be a patient id, sent before the file');
  }
  if (!FILE_CATEGORIES.some((c) => c === category)) {
    throw invalid(
      '/category',
      `must be one of ${FILE_CATEGORIES.join(', ')}, sent before the file`,
    );
  }
  return { patientId, category: category as FileCategory };
}
