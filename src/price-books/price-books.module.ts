import { Module } from '@nestjs/common';
import { PriceBookRepository } from './price-book.repository';
import { PriceBooksController } from './price-books.controller';
import { PriceBooksService } from './price-books.service';

@Module({
  controllers: [PriceBooksController],
  providers: [PriceBooksService, PriceBookRepository],
  exports: [PriceBooksService, PriceBookRepository],
})
export class PriceBooksModule {}
