import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { errorCodes, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ApiKeyService } from './auth/api-key.service';
import { authenticate, authenticateKey } from './auth/auth.guard';
import { recordRoutes } from './common/problem/allowed-methods';
import { problemClientErrorHandler } from './common/problem/client-error';
import { ProblemException } from './common/problem/problem';
import { sendProblem, toProblem } from './common/problem/problem.filter';
import type { AppConfig } from './config/env.schema';
import { MAX_REQUEST_BYTES } from './events/ingest.service';
import { LifecycleService } from './lifecycle/lifecycle.service';
import { setupOpenApi } from './openapi/openapi';
import { serveCachedStatementsFirst } from './statements/statement-fast-path';

/** 1 MiB: CONTRACT §1's request limit, enforced while reading the body. */
export const BODY_LIMIT_BYTES = MAX_REQUEST_BYTES;
/** The longest path parameter routed: above every identifier the contract allows (tenant ids: 128). */
export const MAX_PATH_PARAM_LENGTH = 256;

const routerLogger = new NestLogger('Router');

/**
 * Builds the HTTP application (Fastify adapter) for a resolved configuration.
 * Used by `main.ts` and by the integration tests, so tests exercise the real
 * server, filters and parsers.
 */
export async function createApp(
  config: AppConfig,
  opts: { logs?: boolean } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: true,
    // the caller's X-Request-Id (if sane) or a UUID: carried into logs and rating jobs
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    // Fastify's default (100) refused tenant ids of 101–128 characters, which
    // CONTRACT §1 allows, with a 414 before any route ran. A router option:
    // given at the top level, Fastify 5 warns at every boot (FSTDEP022).
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // JSON as JSON.parse reads it, as the queue path does: a member named
    // `__proto__` (or `constructor` holding `prototype`) is valid JSON, e.g. a
    // label in an event's data, and Fastify's default refused the whole body
    // as "not valid JSON" where the queue stored it. It stays an own data
    // member: the service reads members as own properties and builds objects
    // with Object.fromEntries, never by merging a body into another object.
    // A request routed while the server closes (a keep-alive connection's
    // next request) is served, with `Connection: close`: Fastify's default
    // answered it its own 503 JSON, not a problem document, though the
    // database pool closes only after the HTTP server (Nest's order).
    return503OnClosing: false,
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    clientErrorHandler: problemClientErrorHandler,
    // A URL Fastify cannot route (bad percent-encoding, a path parameter over
    // the limit) is answered before any route or Nest filter runs: as a
    // problem document too, like every other client error.
    // Anything else (an async route constraint failing) goes the way of every
    // unknown error: logged, and a bare 500 (`toProblem`).
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const fault =
        error.code === 'FST_ERR_BAD_URL'
          ? 'is not a valid URL path (bad percent-encoding)'
          : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? `has a segment longer than ${MAX_PATH_PARAM_LENGTH} characters`
            : null;
      const err =
        fault === null ? error : ProblemException.validation([{ field: '(path)', message: fault }]);
      sendProblem(reply, toProblem(err, routerLogger, request.id), request.url.split('?')[0]);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    // Nest's parsers would add application/x-www-form-urlencoded (a form
    // post created an API key): the API takes JSON only. Fastify's own JSON
    // parser stays (the 1 MiB limit; `__proto__` members as above).
    bodyParser: false,
    bufferLogs: true,
    logger: opts.logs === false ? false : undefined,
  });
  if (opts.logs !== false) app.useLogger(app.get(Logger));
  // CloudEvents media types are JSON (structured and batch mode), read by
  // Fastify's own parser as application/json is (the 1 MiB limit).
  const fastify = app.getHttpAdapter().getInstance();
  recordRoutes(fastify);
  // Fastify's text/plain parser handed JSON endpoints a string (a 400 about the
  // body's type); without it, any type but JSON is a 415. An empty body
  // of any type is no body (`curl -X POST -d ''` sends a form type to
  // finalize, which takes none); a body is refused unread.
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    const empty =
      request.headers['content-length'] === '0' &&
      request.headers['transfer-encoding'] === undefined;
    if (empty) done(null, undefined);
    else done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(request.headers['content-type']));
  });
  fastify.addContentTypeParser(
    ['application/cloudevents+json', 'application/cloudevents-batch+json'],
    { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
    fastify.getDefaultJsonParser('ignore', 'ignore'),
  );
  closeConnectionsWhenDraining(app);
  authenticateBeforeBodies(app);
  serveCachedStatementsFirst(app);
  // GET /docs (UI) and GET /docs-json (OpenAPI 3), unauthenticated, for every ROLE.
  setupOpenApi(app);
  await app.init();
  return app;
}

/**
 * Once draining (SIGTERM), every answer carries `Connection: close`, so
 * clients take their next request elsewhere. A keep-alive connection whose
 * request was in flight when the server began to close otherwise stayed
 * open, idle, and held the close (Node closes idle connections once, at its
 * start) until the client's keep-alive timeout: up to Fastify's 72 s,
 * beyond the 25 s the process gives itself.
 */
function closeConnectionsWhenDraining(app: NestFastifyApplication): void {
  const lifecycle = app.get(LifecycleService, { strict: false });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', (_request, reply, payload, done) => {
      if (lifecycle.draining) reply.header('connection', 'close');
      done(null, payload);
    });
}

/**
 * Requests with a body to the API authenticate before it is read (Nest's
 * guards run after parsing): a client without a valid key gets 401, never a
 * 400, 413 or 415 about a body it may not send. `POST /v1/events` also
 * checks its scope here (403); elsewhere the guard does, after parsing. The
 * guard still runs (a cached lookup). Roles without the HTTP API skip this.
 */
function authenticateBeforeBodies(app: NestFastifyApplication): void {
  let keys: ApiKeyService;
  try {
    keys = app.get(ApiKeyService, { strict: false });
  } catch {
    return;
  }
  const logger = new NestLogger('AuthBeforeBody');
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      const route = request.routeOptions.url;
      if (
        route === undefined ||
        !route.startsWith('/v1/') ||
        request.method === 'GET' ||
        request.method === 'HEAD'
      )
        return done();
      const header = request.headers.authorization;
      (route === '/v1/events' && request.method === 'POST'
        ? authenticate(keys, header, ['ingest'])
        : authenticateKey(keys, header)
      ).then(
        () => done(),
        // answered here, and `done` not called: the body is never read
        (err: unknown) =>
          sendProblem(reply, toProblem(err, logger, String(request.id)), request.url.split('?')[0]),
      );
    });
}
