import { FinalizedPeriodsModule } from '../finalized-periods/finalized-periods.module';
import { Module } from '@nestjs/common';
import { StatementsModule } from '../statements/statements.module';
import { FinalizePeriodService } from './finalize-period.service';
import { InvoicesRepository } from './invoices.repository';

@Module({
  imports: [StatementsModule, FinalizedPeriodsModule],
  providers: [InvoicesRepository, FinalizePeriodService],
  exports: [InvoicesRepository, FinalizePeriodService],
})
export class InvoicesModule {}
