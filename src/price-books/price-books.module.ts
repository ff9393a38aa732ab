import { FinalizedPeriodsModule } from '../finalized-periods/finalized-periods.module';
import { Module } from '@nestjs/common';
import { RatingModule } from '../rating/rating.module';
import { PriceBookRepository } from './price-book.repository';
import { PriceBooksService } from './price-books.service';

@Module({
  imports: [RatingModule, FinalizedPeriodsModule],
  providers: [PriceBooksService, PriceBookRepository],
  exports: [PriceBooksService, PriceBookRepository],
})
export class PriceBooksModule {}
