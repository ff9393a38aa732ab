import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One counter per tenant, bumped in the same transaction as every write that
 * changes what the tenant's statements say (rating output, restatements,
 * invoices). A statement read compares it with the version its cached answer
 * was built from: equal means nothing the statement shows has changed since.
 * A missing row reads as version 0.
 */
export class TenantStatementVersions1763784000000 implements MigrationInterface {
  name = 'TenantStatementVersions1763784000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenant_statement_versions (
        tenant_id text PRIMARY KEY,
        version   bigint NOT NULL CHECK (version >= 1)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE tenant_statement_versions');
  }
}
