import { FinalizedPeriodsModule } from '../finalized-periods/finalized-periods.module';
import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { RatingProcessor } from './rating.processor';
import { RatingRepository } from './rating.repository';
import { RatingService } from './rating.service';

@Module({
  imports: [EventsModule, FinalizedPeriodsModule],
  providers: [RatingRepository, RatingService, RatingProcessor],
  exports: [RatingRepository, RatingService, RatingProcessor],
})
export class RatingModule {}
