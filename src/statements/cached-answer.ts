import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isPeriod } from '../rating/core';
import { acceptsGzip, ifNoneMatchHits } from './http-negotiation';
import type { StatementsService, StatementTag } from './statements.service';

export const tenantParam = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1–128 chars of [A-Za-z0-9._-]');
export const periodParam = z.string().refine(isPeriod, 'must be a period YYYY-MM');

/**
 * Answers a cacheable statement request (an ended period: `tag` not null):
 * `304` when `If-None-Match` names the current tag, else the stored JSON or
 * its gzip, with a strong ETag. Shared by the controller and the fast path
 * (statement-fast-path.ts), so both answer byte for byte alike.
 */
export async function replyCached(
  statements: StatementsService,
  tag: StatementTag,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const gzip = acceptsGzip(req.headers['accept-encoding']);
  const headers = { vary: 'accept-encoding', 'cache-control': 'private, no-cache' };
  if (ifNoneMatchHits(req.headers['if-none-match'], [tag.etag, tag.gzipEtag])) {
    await reply
      .code(304)
      .headers({ ...headers, etag: gzip ? tag.gzipEtag : tag.etag })
      .send();
    return;
  }
  const r = await statements.rendered(tag);
  await reply
    .headers({
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      etag: gzip ? r.gzipEtag : r.etag,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    })
    .send(gzip ? r.gzip : r.body);
}
