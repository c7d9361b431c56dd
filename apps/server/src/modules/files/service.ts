import crypto from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Caller } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { createdAtPage, createdBeforeCursor, pageLimit } from '../../http/pagination.js';
import type { ObjectStore } from '../../platform/objects/index.js';
import type { FilesTable } from '../../platform/db/tables.js';
import { requirePatientAccess } from '../../policy/access.js';
import { ruleFor } from '../../policy/policy.js';
import { actorOf, recordAudit } from '../audit/service.js';
import type { FileCategory, FileView } from './schemas.js';
import type { StoredUpload } from './upload.js';

/** Download links live five minutes: long enough to start a download, well under SPEC's 15. */
const DOWNLOAD_URL_SECONDS = 5 * 60;

/** The object key of a new upload: random, and grouped by tenant. */
export function newObjectKey(caller: Caller): string {
  return `t${caller.tenantId.replaceAll('-', '')}/${crypto.randomUUID()}`;
}

/** Records a stored upload as quarantined; the scan job picks it up from here. */
export async function recordUpload(
  caller: Caller,
  patientId: string,
  category: FileCategory,
  stored: StoredUpload,
): Promise<FileView> {
  const id = crypto.randomUUID();
  const { file_name: sealedName } = await caller.tenant.fields.seal('files', id, {
    file_name: stored.fileName,
  });
  const row = await caller.tenant.transaction(async (trx) => {
    const inserted = await trx
      .insertInto('files')
      .values({
        id,
        patient_id: patientId,
        category,
        object_key: stored.key,
        file_name: sealedName,
        content_type: stored.contentType,
        size_bytes: stored.sizeBytes,
        sha256: stored.sha256,
        next_scan_at: new Date(),
        uploaded_by: caller.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      ...actorOf(caller),
      action: 'file.upload',
      patientId,
      resourceType: 'File',
      resourceId: id,
      details: { category, contentType: stored.contentType, sizeBytes: stored.sizeBytes },
    });
    return inserted;
  });
  return view(await caller.tenant.fields.open('files', row));
}

/** A file the caller may see; otherwise 404, whether it exists or not. */
async function reachableFile(caller: Caller, fileId: string): Promise<Selectable<FilesTable>> {
  const row = await caller.tenant.db
    .selectFrom('files')
    .selectAll()
    .where('id', '=', fileId)
    .executeTakeFirst();
  // By id, a role that never reads files gets the same 404 as anyone out of reach: the answer
  // does not tell a clerk which file ids exist (issue 6). Lists by patient still answer 403.
  if (row === undefined || ruleFor('file.read', caller.role) === undefined) {
    throw new AppError('not_found');
  }
  await requirePatientAccess(caller.tenant.db, caller, 'file.read', row.patient_id);
  // A patient sees their own files once they are known to be clean, nothing before.
  if (caller.role === 'patient' && row.status !== 'clean') throw new AppError('not_found');
  return caller.tenant.fields.open('files', row);
}

export async function getFile(caller: Caller, fileId: string): Promise<FileView> {
  const row = await reachableFile(caller, fileId);
  await recordAudit(caller.tenant.db, {
    ...actorOf(caller),
    action: 'file.read',
    patientId: row.patient_id,
    resourceType: 'File',
    resourceId: row.id,
  });
  return view(row);
}

export async function listFiles(
  caller: Caller,
  patientId: string,
  query: { limit?: string; cursor?: string },
): Promise<{ items: FileView[]; nextCursor: string | null }> {
  await requirePatientAccess(caller.tenant.db, caller, 'file.read', patientId);
  const limit = pageLimit(query.limit);
  const after = createdBeforeCursor(query.cursor);
  let select = caller.tenant.db
    .selectFrom('files')
    .selectAll()
    .where('patient_id', '=', patientId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (caller.role === 'patient') select = select.where('status', '=', 'clean');
  if (after !== null) select = select.where(after);
  const rows = await select.execute();
  await recordAudit(caller.tenant.db, {
    ...actorOf(caller),
    action: 'file.list',
    patientId,
    resourceType: 'File',
    details: { count: Math.min(rows.length, limit) },
  });
  const { page, nextCursor } = createdAtPage(rows, limit);
  return { items: (await caller.tenant.fields.openAll('files', page)).map(view), nextCursor };
}

/**
 * A short-lived download link for a clean file, after the same check as reading it. Every link
 * issued is audited; a quarantined or infected file never gets one.
 */
export async function downloadUrl(
  caller: Caller,
  objects: ObjectStore,
  fileId: string,
): Promise<{ url: string; expiresAt: string }> {
  const row = await reachableFile(caller, fileId);
  if (row.status !== 'clean') throw new AppError('file_not_clean');

  const signed = await objects.signedDownloadUrl(row.object_key, {
    fileName: row.file_name,
    contentType: row.content_type,
    expiresInSeconds: DOWNLOAD_URL_SECONDS,
  });
  await recordAudit(caller.tenant.db, {
    ...actorOf(caller),
    action: 'file.download_url',
    patientId: row.patient_id,
    resourceType: 'File',
    resourceId: row.id,
    details: { expiresAt: signed.expiresAt.toISOString() },
  });
  return { url: signed.url, expiresAt: signed.expiresAt.toISOString() };
}

export function view(row: Selectable<FilesTable>): FileView {
  return {
    id: row.id,
    patientId: row.patient_id,
    category: row.category,
    fileName: row.file_name,
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    status: row.status,
    uploadedAt: row.created_at.toISOString(),
    scannedAt: row.scanned_at?.toISOString() ?? null,
  };
}
