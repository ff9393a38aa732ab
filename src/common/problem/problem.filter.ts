import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { allowedMethods } from './allowed-methods';
import { isTransientDbError } from '../../database/transient-errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ProblemCode,
  ProblemException,
  PROBLEM_CONTENT_TYPE,
  problem,
  type ProblemDetails,
} from './problem';

/**
 * Problems for HTTP exceptions. Our own code raises ProblemException; a bare
 * HttpException comes from the framework — Nest re-raises Fastify's body
 * errors (bad JSON, over 1 MiB, unknown content type) as one with their status.
 */
const HTTP_PROBLEMS: Record<number, [ProblemCode, string]> = {
  400: [ProblemCode.MalformedJson, 'The body could not be parsed'],
  401: [ProblemCode.Unauthorized, 'No valid API key'],
  403: [ProblemCode.Forbidden, 'Forbidden'],
  404: [ProblemCode.NotFound, 'No such resource'],
  405: [ProblemCode.MethodNotAllowed, 'Method not allowed'],
  413: [ProblemCode.PayloadTooLarge, 'The body exceeds 1 MiB'],
  415: [ProblemCode.UnsupportedMediaType, 'This content type is not accepted here'],
  503: [ProblemCode.ServiceUnavailable, 'A dependency is unavailable'],
};

/**
 * Turns any error into RFC 9457 problem+json. Client mistakes get a precise
 * problem; anything unknown is logged with the request id and answered as a
 * bare 500 — never a stack trace, SQL text or internal path.
 */
export function toProblem(
  err: unknown,
  logger: Pick<Logger, 'error'>,
  requestId?: string,
): { problem: ProblemDetails; headers: Record<string, string> } {
  if (err instanceof ProblemException) return { problem: err.problem, headers: err.headers };
  if (err instanceof HttpException && HTTP_PROBLEMS[err.getStatus()]) {
    const status = err.getStatus();
    const [code, detail] = HTTP_PROBLEMS[status];
    const shown =
      status === 400 && /JSON/i.test(err.message) ? 'The body is not valid JSON' : detail;
    const response = err.getResponse();
    // Readiness failures (terminus) keep their per-dependency details.
    const checks =
      status === 503 && typeof response === 'object' && response && 'details' in response
        ? { checks: response.details }
        : {};
    return { problem: problem(status, code, shown, checks), headers: {} };
  }
  if (isTransientDbError(err)) {
    // A failover or restart in progress: nothing was half-written (every
    // write is one transaction), so the client may simply try again.
    return {
      problem: problem(
        503,
        ProblemCode.ServiceUnavailable,
        'The database is unavailable; retry shortly',
      ),
      headers: { 'retry-after': '2' },
    };
  }
  logger.error({ err, requestId }, 'unhandled error');
  return { problem: problem(500, ProblemCode.Internal), headers: {} };
}

/** Writes a problem to a Fastify reply. */
export function sendProblem(
  reply: FastifyReply,
  p: { problem: ProblemDetails; headers: Record<string, string> },
  instance?: string,
): void {
  const body = instance ? { ...p.problem, instance } : p.problem;
  void reply
    .status(body.status)
    .headers(p.headers)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(body));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const path = request?.url?.split('?')[0];
    // No route for this method: if one answers the path with another
    // method, that is a 405 naming them, not a 404.
    if (err instanceof NotFoundException && request?.routeOptions?.url === undefined && path) {
      const allow = allowedMethods(request.server, path);
      // (a route of this very method that did not match, e.g. a constraint, stays a 404)
      if (allow.length > 0 && !allow.includes(request.method)) {
        sendProblem(
          reply,
          {
            problem: problem(
              405,
              ProblemCode.MethodNotAllowed,
              `${request.method} is not allowed here; allowed: ${allow.join(', ')}`,
            ),
            headers: { allow: allow.join(', ') },
          },
          path,
        );
        return;
      }
    }
    sendProblem(reply, toProblem(err, this.logger, String(request?.id ?? '')), path);
  }
}
