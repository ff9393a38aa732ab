import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { ProblemException } from '../common/problem/problem';
import { isTransientDbError } from '../database/transient-errors';
import { IngestService, type IngestResult } from './ingest.service';

/**
 * Consumes the control plane's queue: job data is one CloudEvent or an array.
 * Same validation and storage as HTTP. An invalid or conflicting job fails
 * once with its problem and is not retried (UnrecoverableError). A database
 * outage must not burn the producer's attempts (BullMQ's default is one), so
 * the job is moved back to delayed and tried again later, however long the
 * outage lasts.
 */
@Injectable()
export class CollectorProcessor {
  private readonly logger = new Logger(CollectorProcessor.name);

  constructor(private readonly ingest: IngestService) {}

  async process(job: Job<unknown>, token?: string): Promise<IngestResult> {
    try {
      const events = this.ingest.validateJob(job.data);
      return await this.ingest.store(events, 'queue');
    } catch (err) {
      if (err instanceof ProblemException) {
        const p = err.problem;
        const details = p.errors ? ` ${JSON.stringify(p.errors)}` : '';
        throw new UnrecoverableError(`${p.status} ${p.code}: ${p.detail ?? p.title}${details}`);
      }
      if (isTransientDbError(err)) {
        const delay = Math.min(30_000, 1_000 * 2 ** Math.min(job.attemptsStarted, 5));
        this.logger.warn(`job ${job.id}: database unavailable, retrying in ${delay} ms`);
        await job.moveToDelayed(Date.now() + delay, token);
        throw new DelayedError();
      }
      throw err;
    }
  }
}
