import type { FileImport } from './context.js';
import { At, isRecord } from './json.js';
import { Skipped, skipped, type Outcome } from './outcome.js';
import type { FileResource } from './reader.js';
import { baseOf, resourceKey } from './references.js';
import {
  writeCondition,
  writeEncounter,
  writeMedicationRequest,
  writeObservation,
} from './store-clinical.js';
import {
  writeCoverage,
  writeOrganization,
  writePatient,
  writePractitioner,
  type Writer,
} from './store.js';

const WRITERS: Partial<Record<string, Writer>> = {
  Patient: writePatient,
  Practitioner: writePractitioner,
  Organization: writeOrganization,
  Coverage: writeCoverage,
  Encounter: writeEncounter,
  Condition: writeCondition,
  Observation: writeObservation,
  MedicationRequest: writeMedicationRequest,
};

/** Imports one resource of a file, whatever its type; other types are counted as skipped. */
export async function importResource(
  ctx: FileImport,
  item: FileResource,
): Promise<{ type: string; outcome: Outcome }> {
  const resource = new At(item.resource, item.path);
  if (!resource.present)
    return { type: '(entry without resource)', outcome: skipped('no resource') };
  if (!isRecord(item.resource)) throw resource.error('must be an object');
  const type = resource.string('resourceType');
  if (type === undefined) throw resource.key('resourceType').error('is required');

  const writer = WRITERS[type];
  if (writer === undefined) return { type, outcome: skipped('type not imported') };
  const key = resourceKey(type, resource.string('id'), item.fullUrl);
  if (key === null) return { type, outcome: skipped('no id or fullUrl to recognise it by') };
  try {
    const outcome = await writer(ctx, resource, key, baseOf(item.fullUrl));
    if (outcome.kind === 'skipped') ctx.markNotImported(key);
    return { type, outcome };
  } catch (error) {
    if (!(error instanceof Skipped)) throw error;
    ctx.markNotImported(key);
    return { type, outcome: skipped(error.reason) };
  }
}
