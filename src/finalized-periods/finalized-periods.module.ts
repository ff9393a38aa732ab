import { Module } from '@nestjs/common';
import { FinalizedPeriods } from './finalized-periods.repository';

/**
 * FinalizedPeriods alone, with no imports: rating, price books, statements,
 * invoices and the export all read finalized periods, and import this
 * module without a cycle through each other.
 */
@Module({
  providers: [FinalizedPeriods],
  exports: [FinalizedPeriods],
})
export class FinalizedPeriodsModule {}
