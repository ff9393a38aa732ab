import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Price-book versions (immutable) and the finalized periods they may not re-price. */
export class PriceBooks1763769600000 implements MigrationInterface {
  name = 'PriceBooks1763769600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION forbid_update_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`
      CREATE TABLE price_book_versions (
        id             uuid PRIMARY KEY,
        tenant_id      text NULL CHECK (tenant_id ~ '^[A-Za-z0-9._-]{1,128}$'),
        effective_from timestamptz NOT NULL,
        currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        body           jsonb NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    // One version per scope and instant: "the latest effectiveFrom ≤ t" is never ambiguous.
    await q.query(`
      CREATE UNIQUE INDEX price_book_versions_scope_effective_from_key
        ON price_book_versions (COALESCE(tenant_id, ''), effective_from)`);
    await q.query(`
      CREATE TRIGGER price_book_versions_immutable BEFORE UPDATE OR DELETE ON price_book_versions
        FOR EACH ROW EXECUTE FUNCTION forbid_update_delete()`);
    await q.query(`
      CREATE TABLE finalized_periods (
        period       char(7) PRIMARY KEY CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
        finalized_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE finalized_periods');
    await q.query('DROP TABLE price_book_versions');
    await q.query('DROP FUNCTION forbid_update_delete()');
  }
}
