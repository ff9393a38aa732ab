import { Module } from '@nestjs/common';
import { RatingModule } from '../rating/rating.module';
import { PriceBookRepository } from './price-book.repository';
import { PriceBooksService } from './price-books.service';

@Module({
  imports: [RatingModule],
  providers: [PriceBooksService, PriceBookRepository],
  exports: [PriceBooksService, PriceBookRepository],
})
export class PriceBooksModule {}
