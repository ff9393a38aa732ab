/** SQLSTATEs and socket errors that mean "try again shortly", not "you are wrong". */
const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown (fast shutdown, failover)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '25006', // read_only_sql_transaction (still connected to a demoted primary)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006', // connection exceptions
  '40001',
  '40P01', // serialization failure, deadlock
  '53300', // too_many_connections
  '57014', // query_canceled (statement_timeout)
]);
const TRANSIENT_SOCKET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * True for errors a failover, restart or overload produces: the operation
 * may succeed if repeated later. Everything else is a bug or a client mistake.
 */
export function isTransientDbError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SOCKET.has(code)))
      return true;
    const message = (e as { message?: unknown }).message;
    if (
      typeof message === 'string' &&
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|already released/i.test(
        message,
      )
    )
      return true;
    e =
      (e as { driverError?: unknown; cause?: unknown }).driverError ??
      (e as { cause?: unknown }).cause;
  }
  return false;
}
