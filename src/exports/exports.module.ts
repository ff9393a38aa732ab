import { Module } from '@nestjs/common';
import { InvoicesModule } from '../invoices/invoices.module';
import { StatementsModule } from '../statements/statements.module';
import { InvoiceLinesExportService } from './invoice-lines-export.service';

@Module({
  imports: [InvoicesModule, StatementsModule],
  providers: [InvoiceLinesExportService],
  exports: [InvoiceLinesExportService],
})
export class ExportsModule {}
