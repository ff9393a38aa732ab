import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProblemCode, ProblemException } from '../common/problem/problem';
import { inTransaction } from '../database/transaction';
import { MetricsService } from '../metrics/metrics.service';
import { RatingQueue } from '../rating/rating.queue';
import { EventsRepository } from './events.repository';
import { findBatchConflicts, validateEvents, type IncomingEvent } from './validation';

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

/** The maximum number of events in one request or job (CONTRACT §1). */
export const MAX_EVENTS_PER_REQUEST = 1000;
/** 1 MiB: the most JSON in one request (CONTRACT §1) or job. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * The one way events enter the system, shared by the HTTP and queue paths.
 * All or nothing: a batch is validated whole, then stored in one transaction
 * (resources, events, "needs rating" marks) that commits before the caller
 * is answered. Rating is requested after the commit; if that enqueue is lost
 * (Redis down, crash), the durable marks make the sweeper find the resources.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventsRepository,
    private readonly ratingQueue: RatingQueue,
    private readonly metrics: MetricsService,
  ) {}

  /** Validates raw structured events; throws a 400 problem listing every error. */
  validate(raw: unknown[], via: 'http' | 'queue' = 'http', now = Date.now()): IncomingEvent[] {
    try {
      return this.check(raw, now);
    } catch (err) {
      this.metrics.events.inc({ outcome: 'rejected', via }, raw.length);
      throw err;
    }
  }

  /**
   * A queue job's data (one event or an array), checked as a request is:
   * 1 MiB first (measured as the job's JSON), then the same limits and
   * validation. A document too deep to measure (JSON.stringify recurses)
   * is left to validation, which refuses it by name.
   */
  validateJob(data: unknown, now = Date.now()): IncomingEvent[] {
    const raw = Array.isArray(data) ? (data as unknown[]) : [data];
    let bytes = 0;
    try {
      bytes = Buffer.byteLength(JSON.stringify(data) ?? '', 'utf8');
    } catch {
      // too deep to stringify: validation names the field
    }
    if (bytes > MAX_REQUEST_BYTES) {
      this.metrics.events.inc({ outcome: 'rejected', via: 'queue' }, raw.length);
      throw new ProblemException(
        413,
        ProblemCode.PayloadTooLarge,
        `At most ${MAX_REQUEST_BYTES} bytes of JSON per job, as per request; got ${bytes}`,
      );
    }
    return this.validate(raw, 'queue', now);
  }

  private check(raw: unknown[], now: number): IncomingEvent[] {
    if (raw.length > MAX_EVENTS_PER_REQUEST) {
      throw new ProblemException(
        413,
        ProblemCode.PayloadTooLarge,
        `At most ${MAX_EVENTS_PER_REQUEST} events per request; got ${raw.length}`,
      );
    }
    if (raw.length === 0) {
      throw ProblemException.validation([{ field: '(body)', message: 'the batch is empty' }]);
    }
    const result = validateEvents(raw, now);
    if (!result.ok) throw ProblemException.validation(result.errors);
    const conflict = findBatchConflicts(result.events);
    if (conflict?.kind === 'content')
      // `conflicts` as for a conflict with a stored event
      throw new ProblemException(409, ProblemCode.EventConflict, conflict.detail, {
        conflicts: [{ source: conflict.source, id: conflict.id }],
      });
    if (conflict?.kind === 'tenant')
      throw new ProblemException(409, ProblemCode.TenantConflict, conflict.detail, {
        resourceType: conflict.resourceType,
        resourceId: conflict.resourceId,
      });
    return result.events;
  }

  /** Stores validated events durably; 409 problems for content or tenant conflicts. */
  async store(events: IncomingEvent[], via: 'http' | 'queue'): Promise<IngestResult> {
    const unique = new Map<string, IncomingEvent>();
    for (const e of events)
      if (!unique.has(`${e.source}\u0000${e.id}`)) unique.set(`${e.source}\u0000${e.id}`, e);
    const withinBatchDuplicates = events.length - unique.size;

    const { inserted, duplicates } = await this.storeOnce(events, unique, via).catch(
      (err: unknown) => {
        if (err instanceof ProblemException)
          this.metrics.events.inc({ outcome: 'rejected', via }, events.length);
        throw err;
      },
    );
    this.metrics.events.inc({ outcome: 'accepted', via }, inserted.length);
    this.metrics.events.inc({ outcome: 'duplicate', via }, duplicates + withinBatchDuplicates);

    if (inserted.length > 0) {
      await this.ratingQueue.requestRating(inserted).catch((err: unknown) => {
        this.logger.warn(`rating request not enqueued, the sweeper will find it: ${String(err)}`);
      });
    }
    return { accepted: inserted.length, duplicates: duplicates + withinBatchDuplicates };
  }

  private storeOnce(
    events: IncomingEvent[],
    unique: Map<string, IncomingEvent>,
    via: 'http' | 'queue',
  ) {
    return inTransaction(
      this.dataSource,
      async (em) => {
        // Only inserts: events and new resources in one statement, then the
        // marks (and the tenant check, which needs the resource rows that
        // statement waited for). No row that concurrent batches or ratings
        // write is locked.
        const result = await this.events.insertEvents(em, [...unique.values()], via);
        const tenantConflicts =
          result.inserted.length > 0 ? await this.events.markChanged(em, result.inserted) : [];
        if (tenantConflicts.length > 0) {
          const c = tenantConflicts[0];
          throw new ProblemException(
            409,
            ProblemCode.TenantConflict,
            `${c.resource.resourceType} ${c.resource.subject} belongs to tenant ${c.storedTenantId}, not ${c.tenantId}`,
            { resourceType: c.resource.resourceType, resourceId: c.resource.subject },
          );
        }
        if (result.conflicts.length > 0) {
          const c = result.conflicts[0];
          throw new ProblemException(
            409,
            ProblemCode.EventConflict,
            `Event ${c.id} from ${c.source} was stored before with different content; (source, id) identifies one event forever`,
            { conflicts: result.conflicts.map(({ source, id }) => ({ source, id })) },
          );
        }
        return result;
      },
      { retryTransient: true },
    );
  }
}
