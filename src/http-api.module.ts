import { Module } from '@nestjs/common';
import { EventsController } from './events/events.controller';
import { EventsModule } from './events/events.module';
import { PriceBooksController } from './price-books/price-books.controller';
import { PriceBooksModule } from './price-books/price-books.module';
import { RatingIssuesController } from './rating/rating-issues.controller';

/** The public API's controllers: loaded for ROLE=api and ROLE=all. */
@Module({
  imports: [EventsModule, PriceBooksModule],
  controllers: [EventsController, PriceBooksController, RatingIssuesController],
})
export class HttpApiModule {}
