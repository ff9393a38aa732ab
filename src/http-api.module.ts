import { Module } from '@nestjs/common';
import { ApiKeysController } from './auth/api-keys.controller';
import { EventsController } from './events/events.controller';
import { EventsModule } from './events/events.module';
import { PriceBooksController } from './price-books/price-books.controller';
import { PriceBooksModule } from './price-books/price-books.module';
import { RatingIssuesController } from './rating/rating-issues.controller';
import { ExportsController } from './exports/exports.controller';
import { ExportsModule } from './exports/exports.module';
import { InvoicesModule } from './invoices/invoices.module';
import { PeriodsController } from './invoices/periods.controller';
import { StatementsController } from './statements/statements.controller';
import { StatementsModule } from './statements/statements.module';

/** The public API's controllers: loaded for ROLE=api and ROLE=all. */
@Module({
  imports: [EventsModule, PriceBooksModule, StatementsModule, InvoicesModule, ExportsModule],
  controllers: [
    EventsController,
    PriceBooksController,
    RatingIssuesController,
    ApiKeysController,
    StatementsController,
    PeriodsController,
    ExportsController,
  ],
})
export class HttpApiModule {}
