import { FinalizedPeriodsModule } from '../finalized-periods/finalized-periods.module';
import { Module } from '@nestjs/common';
import { RatingModule } from '../rating/rating.module';
import { StatementBuilder } from './statement-builder.service';
import { StatementVersionsModule } from './statement-versions.module';
import { StatementsRepository } from './statements.repository';
import { StatementsService } from './statements.service';

@Module({
  imports: [RatingModule, StatementVersionsModule, FinalizedPeriodsModule],
  providers: [StatementsRepository, StatementBuilder, StatementsService],
  exports: [StatementsRepository, StatementBuilder, StatementsService, StatementVersionsModule],
})
export class StatementsModule {}
