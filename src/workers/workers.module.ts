import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { RatingModule } from '../rating/rating.module';
import { WorkersHost } from './workers.host';

/** Queue consumers and schedules: loaded for ROLE=worker and ROLE=all. */
@Module({
  imports: [EventsModule, RatingModule, InvoicesModule],
  providers: [WorkersHost],
})
export class WorkersModule {}
