import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/env.schema';
import { BULLMQ_PREFIX, RatingQueue } from './rating.queue';

/** The rating queue's producer, shared by ingest and price books. */
@Global()
@Module({
  providers: [
    {
      provide: BULLMQ_PREFIX,
      inject: [ConfigService],
      useFactory: (c: ConfigService<AppConfig, true>): string =>
        c.get('BULLMQ_PREFIX', { infer: true }),
    },
    RatingQueue,
  ],
  exports: [RatingQueue, BULLMQ_PREFIX],
})
export class RatingQueueModule {}
