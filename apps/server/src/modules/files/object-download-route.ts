import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../http/errors.js';
import { attachment, isObjectKey, type LocalObjectStore } from '../../platform/objects/index.js';

const DownloadQuery = Type.Object(
  {
    // Query values arrive as text and the API never coerces types: digits only.
    expires: Type.String({ pattern: '^[0-9]{1,12}$' }),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    type: Type.String({ minLength: 1, maxLength: 100 }),
    signature: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);

/**
 * Serves clean objects of the local store to whoever holds a URL the API signed after its
 * authorization check (SPEC §6). The URL is the credential: it names one object, expires within
 * 15 minutes, and any change to key, name, type or expiry breaks the signature.
 */
export function objectDownloadRoute(store: LocalObjectStore): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/objects/*', { schema: { querystring: DownloadQuery } }, async (request, reply) => {
      const key = (request.params as { '*': string })['*'];
      const query = request.query;
      if (!isObjectKey(key) || !store.verify(key, { ...query, expires: Number(query.expires) })) {
        throw new AppError('signed_url_invalid');
      }
      const body = await store.openClean(key).catch(() => {
        throw new AppError('not_found');
      });
      return reply
        .header('content-type', query.type)
        .header('content-disposition', attachment(query.name))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(body);
    });
  };
}
