/** Stable problem codes: the last segment of every problem's `type` URI. */
export enum ProblemCode {
  ValidationFailed = 'validation-failed',
  MalformedJson = 'malformed-json',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  NotFound = 'not-found',
  MethodNotAllowed = 'method-not-allowed',
  PayloadTooLarge = 'payload-too-large',
  UnsupportedMediaType = 'unsupported-media-type',
  EventConflict = 'event-conflict',
  TenantConflict = 'tenant-conflict',
  PriceBookExists = 'price-book-exists',
  PeriodFinalized = 'period-finalized',
  CurrencyChangeMidPeriod = 'currency-change-mid-period',
  PeriodNotEnded = 'period-not-ended',
  EarlierPeriodOpen = 'earlier-period-open',
  UnratedUsage = 'unrated-usage',
  RatingPending = 'rating-pending',
  ServiceUnavailable = 'service-unavailable',
  Internal = 'internal-error',
  BadRequest = 'bad-request',
  HeadersTooLarge = 'headers-too-large',
  RequestTimeout = 'request-timeout',
}

/** One problem with one field of the request (`index` for batches). */
export interface FieldError {
  index?: number;
  field: string;
  message: string;
}

/** RFC 9457 problem details, plus `code` and, for validation, `errors`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: ProblemCode;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'urn:iaas-billing:problem:';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const TITLES: Record<ProblemCode, string> = {
  [ProblemCode.ValidationFailed]: 'The request is invalid',
  [ProblemCode.MalformedJson]: 'The body is not valid JSON',
  [ProblemCode.Unauthorized]: 'No valid API key',
  [ProblemCode.Forbidden]: 'The API key lacks the required scope',
  [ProblemCode.NotFound]: 'Not found',
  [ProblemCode.MethodNotAllowed]: 'Method not allowed',
  [ProblemCode.PayloadTooLarge]: 'The request is too large',
  [ProblemCode.UnsupportedMediaType]: 'Unsupported content type',
  [ProblemCode.EventConflict]: 'An event id was reused with different content',
  [ProblemCode.TenantConflict]: 'The resource belongs to another tenant',
  [ProblemCode.PriceBookExists]: 'A different price-book version exists for this scope and instant',
  [ProblemCode.PeriodFinalized]: 'The change would re-price a finalized period',
  [ProblemCode.CurrencyChangeMidPeriod]: 'The currency would change inside a billing period',
  [ProblemCode.PeriodNotEnded]: 'The period has not ended',
  [ProblemCode.EarlierPeriodOpen]: 'An earlier period with usage is not finalized',
  [ProblemCode.UnratedUsage]: 'The period has usage that cannot be rated',
  [ProblemCode.RatingPending]: 'Events touching the period are still being rated',
  [ProblemCode.ServiceUnavailable]: 'The service is temporarily unavailable',
  [ProblemCode.Internal]: 'Internal server error',
  [ProblemCode.BadRequest]: 'The request is not valid HTTP',
  [ProblemCode.HeadersTooLarge]: 'The request headers are too large',
  [ProblemCode.RequestTimeout]: 'The request was not received in time',
};

/** Builds a problem document with the standard title for its code. */
export function problem(
  status: number,
  code: ProblemCode,
  detail?: string,
  extensions: Record<string, unknown> = {},
): ProblemDetails {
  return {
    type: PROBLEM_TYPE_BASE + code,
    title: TITLES[code],
    status,
    ...(detail ? { detail } : {}),
    code,
    ...extensions,
  };
}

/** A domain error that becomes exactly this problem document. */
export class ProblemException extends Error {
  readonly problem: ProblemDetails;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: ProblemCode,
    detail?: string,
    extensions: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail ?? code);
    this.problem = problem(status, code, detail, extensions);
    this.headers = headers;
  }

  /** 404 for a period that has not started: nothing exists in it yet (statements, the export). */
  static periodNotStarted(period: string): ProblemException {
    return new ProblemException(404, ProblemCode.NotFound, `Period ${period} has not started`);
  }

  static validation(errors: FieldError[], detail?: string): ProblemException {
    return new ProblemException(
      400,
      ProblemCode.ValidationFailed,
      detail ??
        `${errors.length} problem${errors.length === 1 ? '' : 's'} with the request: ${errors
          .slice(0, 3)
          .map((e) => `${e.index === undefined ? '' : `[${e.index}] `}${e.field}: ${e.message}`)
          .join('; ')}${errors.length > 3 ? '; …' : ''}`,
      { errors },
    );
  }
}
