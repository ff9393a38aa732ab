import { Module } from '@nestjs/common';
import { CollectorProcessor } from './collector.processor';
import { EventsRepository } from './events.repository';
import { IngestService } from './ingest.service';

@Module({
  providers: [EventsRepository, IngestService, CollectorProcessor],
  exports: [EventsRepository, IngestService, CollectorProcessor],
})
export class EventsModule {}
