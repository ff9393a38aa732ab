import { Module } from '@nestjs/common';
import { RatingModule } from '../rating/rating.module';
import { StatementBuilder } from './statement-builder.service';
import { StatementsRepository } from './statements.repository';
import { StatementsService } from './statements.service';

@Module({
  imports: [RatingModule],
  providers: [StatementsRepository, StatementBuilder, StatementsService],
  exports: [StatementsRepository, StatementBuilder, StatementsService],
})
export class StatementsModule {}
