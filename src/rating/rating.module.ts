import { Module } from '@nestjs/common';
import { RatingProcessor } from './rating.processor';
import { RatingRepository } from './rating.repository';
import { RatingService } from './rating.service';

@Module({
  providers: [RatingRepository, RatingService, RatingProcessor],
  exports: [RatingRepository, RatingService, RatingProcessor],
})
export class RatingModule {}
