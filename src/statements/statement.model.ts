import type { Decimal } from '../rating/core/decimal';
import type { PeriodPiece, RatingIssueReason } from '../rating/core/types';

/** A statement line before formatting: exact and rounded amounts as Decimals. */
export type BuiltLine =
  | {
      type: 'usage';
      resourceType: string;
      resourceId: string;
      hours: Decimal;
      exact: Decimal;
      amount: Decimal;
      pieces: PeriodPiece[];
    }
  | {
      type: 'adjustment';
      resourceType: string;
      resourceId: string;
      adjustsPeriod: string;
      amount: Decimal;
    };

export interface UnratedView {
  resourceType: string;
  resourceId: string;
  reason: RatingIssueReason;
  message: string;
  from: string;
  to: string | null;
  eventIds: string[];
  blocking: boolean;
}

/** An open statement as computed now (CONTRACT §5). */
export interface BuiltStatement {
  tenantId: string;
  period: string;
  asOf: number;
  currency: string | null;
  lines: BuiltLine[];
  total: Decimal;
  unrated: UnratedView[];
}

export interface IntervalView {
  from: string;
  to: string;
  template?: string;
  state?: string;
  realServerCount?: number;
  sizeGb?: string;
  weight: string;
  pricePerHour: string;
  hours: string;
  amount: string;
  priceBookId: string;
  openedBy: string;
  closedBy: string | null;
}

export type LineView =
  | {
      type: 'usage';
      resourceType: string;
      resourceId: string;
      amount: string;
      hours: string;
      intervals: IntervalView[];
    }
  | {
      type: 'adjustment';
      resourceType: string;
      resourceId: string;
      adjustsPeriod: string;
      amount: string;
    };

/** What the portal reads: `GET /v1/tenants/{tenantId}/statements/{period}`. */
export interface StatementView {
  tenantId: string;
  period: string;
  status: 'open' | 'finalized';
  invoiceNumber: string | null;
  currency: string | null;
  total: string;
  asOf: string;
  unrated: UnratedView[];
  lines: LineView[];
}

export interface StatementSummaryView {
  period: string;
  status: 'open' | 'finalized';
  invoiceNumber: string | null;
  currency: string | null;
  total: string;
}
