import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, problem, ProblemCode } from './problem';

/**
 * Answers a request Node's HTTP parser refused before any route could see
 * it (a control character in a header name, headers over 16 KiB, both
 * Content-Length and Transfer-Encoding, a space in the path, a request
 * not received in time) with a problem document like every other client
 * error; Fastify's default wrote its own JSON shape. Fastify's
 * `clientErrorHandler`, written after its default: nothing for a reset
 * connection, then the answer if the socket can take it, then the socket
 * is closed.
 */
export function problemClientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, ProblemCode.RequestTimeout, 'The request was not received in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, ProblemCode.HeadersTooLarge, 'The request headers exceed 16 KiB']
        : [400, ProblemCode.BadRequest, 'The request could not be parsed as HTTP/1.1'];
  const body = JSON.stringify(problem(status, code, detail));
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}
