import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { RatingModule } from '../rating/rating.module';
import { WorkersHost } from './workers.host';

/** Queue consumers and schedules: loaded for ROLE=worker and ROLE=all. */
@Module({
  imports: [EventsModule, RatingModule],
  providers: [WorkersHost],
})
export class WorkersModule {}
