import { Module } from '@nestjs/common';
import { StatementVersions } from './statement-versions.repository';

/**
 * StatementVersions alone, with no imports: writers of statement-visible
 * rows (rating, finalization) import this module without creating a cycle
 * through StatementsModule, which itself imports RatingModule.
 */
@Module({
  providers: [StatementVersions],
  exports: [StatementVersions],
})
export class StatementVersionsModule {}
