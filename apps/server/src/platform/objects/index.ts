import type { ObjectStoreConfig } from '../../config/object-store-config.js';
import { LocalObjectStore } from './local-object-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-object-store.js';

export * from './object-store.js';
export { LocalObjectStore } from './local-object-store.js';

export function openObjectStore(
  config: ObjectStoreConfig,
  dataDir: string,
  publicUrl: string,
): ObjectStore {
  return config.kind === 'local'
    ? LocalObjectStore.open(dataDir, publicUrl)
    : new S3ObjectStore(config);
}
