/** Where objects (uploads, prescription PDFs) are kept: SPEC §2, §6. */
export type ObjectStoreConfig =
  | { kind: 'local' }
  | {
      kind: 's3';
      bucket: string;
      quarantineBucket: string;
      region: string;
      endpoint: string | null;
      forcePathStyle: boolean;
    };

type Read = (name: string) => string | undefined;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Reads MEDICONNECT_OBJECT_STORE and the S3 settings; each problem by name, never by value. */
export function readObjectStoreConfig(
  read: Read,
  production: boolean,
  problems: string[],
): ObjectStoreConfig {
  const kind = read('MEDICONNECT_OBJECT_STORE') ?? 'local';
  if (kind === 'local') {
    if (production) {
      problems.push(
        'MEDICONNECT_OBJECT_STORE=local keeps files on one machine; use s3 in production',
      );
    }
    return { kind: 'local' };
  }
  if (kind !== 's3') {
    problems.push('MEDICONNECT_OBJECT_STORE must be local or s3');
    return { kind: 'local' };
  }

  const bucket = read('MEDICONNECT_S3_BUCKET') ?? '';
  const quarantineBucket = read('MEDICONNECT_S3_QUARANTINE_BUCKET') ?? '';
  if (!BUCKET.test(bucket)) problems.push('MEDICONNECT_S3_BUCKET must be an S3 bucket name');
  if (!BUCKET.test(quarantineBucket)) {
    problems.push('MEDICONNECT_S3_QUARANTINE_BUCKET must be an S3 bucket name');
  } else if (quarantineBucket === bucket) {
    // Quarantined uploads never share a bucket with what may be downloaded (MOD-2).
    problems.push('MEDICONNECT_S3_QUARANTINE_BUCKET must differ from MEDICONNECT_S3_BUCKET');
  }
  const region = read('MEDICONNECT_S3_REGION') ?? read('AWS_REGION') ?? '';
  if (region === '') problems.push('MEDICONNECT_S3_REGION (or AWS_REGION) is required for s3');
  const endpoint = read('MEDICONNECT_S3_ENDPOINT') ?? null;
  if (endpoint !== null && !/^https?:\/\/[^\s]+$/.test(endpoint)) {
    problems.push('MEDICONNECT_S3_ENDPOINT must be an http(s) URL');
  } else if (production && endpoint?.startsWith('http://') === true) {
    problems.push('MEDICONNECT_S3_ENDPOINT must use https in production');
  }
  const pathStyle = read('MEDICONNECT_S3_FORCE_PATH_STYLE') ?? 'false';
  if (pathStyle !== 'true' && pathStyle !== 'false') {
    problems.push('MEDICONNECT_S3_FORCE_PATH_STYLE must be true or false');
  }
  return {
    kind: 's3',
    bucket,
    quarantineBucket,
    region,
    endpoint,
    forcePathStyle: pathStyle === 'true',
  };
}
