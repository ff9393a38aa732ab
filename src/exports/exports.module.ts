import { FinalizedPeriodsModule } from '../finalized-periods/finalized-periods.module';
import { Module } from '@nestjs/common';
import { InvoicesModule } from '../invoices/invoices.module';
import { StatementsModule } from '../statements/statements.module';
import { InvoiceLinesExportService } from './invoice-lines-export.service';

@Module({
  imports: [InvoicesModule, StatementsModule, FinalizedPeriodsModule],
  providers: [InvoiceLinesExportService],
  exports: [InvoiceLinesExportService],
})
export class ExportsModule {}
