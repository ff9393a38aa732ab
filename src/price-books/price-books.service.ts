import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ProblemCode, ProblemException } from '../common/problem/problem';
import { toIso } from '../common/time';
import { AdvisoryLock } from '../database/locks';
import { inTransaction } from '../database/transaction';
import { findCurrencyChangesMidPeriod } from '../rating/core/currency-breaks';
import { periodRange } from '../rating/core/periods';
import type { CreatePriceBookInput } from './dto/create-price-book.dto';
import {
  canonicalBody,
  toBody,
  toCorePriceBook,
  toView,
  type PriceBookVersionView,
} from './price-book.mapper';
import { PriceBookRepository } from './price-book.repository';
import { FinalizedPeriods } from '../finalized-periods/finalized-periods.repository';
import { RatingQueue } from '../rating/rating.queue';
import { RatingRepository } from '../rating/rating.repository';

@Injectable()
export class PriceBooksService {
  private readonly logger = new Logger(PriceBooksService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: PriceBookRepository,
    private readonly rating: RatingRepository,
    private readonly ratingQueue: RatingQueue,
    private readonly periods: FinalizedPeriods,
  ) {}

  async list(tenantId?: string): Promise<PriceBookVersionView[]> {
    return (await this.repo.listVersions(undefined, tenantId)).map(toView);
  }

  /**
   * Stores a new immutable version. Serialized by an advisory lock shared with
   * finalization, so the checks below cannot race another version or a period
   * being finalized. An identical resend answers the stored version
   * (`created: false`); anything else at the same scope and instant is a 409.
   * Every resource the version may re-price is marked for rating in the same
   * transaction, so usage it fixes is rated even if the wake-up below is lost.
   */
  async create(
    input: CreatePriceBookInput,
  ): Promise<{ version: PriceBookVersionView; created: boolean }> {
    const result = await this.insert(input);
    if (result.created) {
      // The scheduled sweep finds the marked resources anyway; this makes it prompt.
      await this.ratingQueue.requestSweep(0).catch((err: unknown) => {
        this.logger.warn(`re-rating not requested, the scheduled sweep will do it: ${String(err)}`);
      });
    }
    return result;
  }

  private async insert(
    input: CreatePriceBookInput,
  ): Promise<{ version: PriceBookVersionView; created: boolean }> {
    const body = toBody(input);
    const effectiveFrom = new Date(input.effectiveFrom);
    // Retried after a failover: an identical resend answers the stored version.
    return inTransaction(
      this.dataSource,
      async (em) => {
        await em.query('SELECT pg_advisory_xact_lock($1)', [AdvisoryLock.PRICING]);

        const existing = await this.repo.findByScopeAndInstant(em, input.tenantId, effectiveFrom);
        if (existing) {
          if (
            existing.currency === input.currency &&
            canonicalBody(existing.body) === canonicalBody(body)
          ) {
            return { version: toView(existing), created: false };
          }
          throw new ProblemException(
            409,
            ProblemCode.PriceBookExists,
            `Version ${existing.id} already takes effect at ${toIso(input.effectiveFrom)} for ${scopeName(input.tenantId)}; versions are immutable, so choose another effectiveFrom`,
            { existingId: existing.id },
          );
        }

        const finalized = await this.periods.latest(em);
        if (finalized && input.effectiveFrom < periodRange(finalized).end) {
          throw new ProblemException(
            409,
            ProblemCode.PeriodFinalized,
            `Period ${finalized} is finalized: effectiveFrom must be at or after ${toIso(periodRange(finalized).end)}`,
            { latestFinalizedPeriod: finalized },
          );
        }

        const id = randomUUID();
        const stored = (await this.repo.listVersions(em)).map(toCorePriceBook);
        const candidate = toCorePriceBook({
          id,
          tenantId: input.tenantId,
          effectiveFrom,
          currency: input.currency,
          body,
          createdAt: effectiveFrom,
        });
        const key = (b: { tenantId: string | null; at: number }) => `${b.tenantId ?? ''}@${b.at}`;
        const before = new Set(findCurrencyChangesMidPeriod(stored).map(key));
        const introduced = findCurrencyChangesMidPeriod([...stored, candidate]).filter(
          (b) => !before.has(key(b)),
        );
        if (introduced.length > 0) {
          const b = introduced[0];
          throw new ProblemException(
            409,
            ProblemCode.CurrencyChangeMidPeriod,
            `${scopeName(b.tenantId)} would change from ${b.from} to ${b.to} at ${toIso(b.at)}, inside a billing period; a currency may change only at the start of a month (00:00 UTC on the 1st)`,
            {
              changes: introduced.map((c) => ({
                tenantId: c.tenantId,
                at: toIso(c.at),
                from: c.from,
                to: c.to,
              })),
            },
          );
        }

        const row = await this.repo.insertVersion(em, {
          id,
          tenantId: input.tenantId,
          effectiveFrom,
          currency: input.currency,
          body,
        });
        await this.rating.markRepriced(em, input.tenantId, effectiveFrom);
        return { version: toView(row), created: true };
      },
      { retryTransient: true },
    );
  }
}

const scopeName = (tenantId: string | null) =>
  tenantId === null ? 'the global book' : `tenant ${tenantId}`;
