import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invoices: frozen copies of statements, numbered gaplessly in issue order,
 * append-only. Restatements record which (resource, finalized period) pairs
 * a late event changed, so adjustments are found without re-reading history.
 */
export class Invoices1763780400000 implements MigrationInterface {
  name = 'Invoices1763780400000';

  public async up(q: QueryRunner): Promise<void> {
    // Earliest event time not yet reflected by the rating: finalization of a
    // period waits while a pending change could still touch it.
    await q.query(`ALTER TABLE resources ADD COLUMN dirty_from timestamptz NULL`);
    await q.query(`UPDATE resources SET dirty_from = '-infinity' WHERE dirty_since IS NOT NULL`);

    // One row: the last issued number. Taken under the finalization lock, in
    // the finalizing transaction, so a rollback returns the number (gapless).
    await q.query(`
      CREATE TABLE invoice_counter (
        id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        last_number bigint NOT NULL CHECK (last_number >= 0)
      )`);
    await q.query(`INSERT INTO invoice_counter (id, last_number) VALUES (1, 0)`);

    await q.query(`
      CREATE TABLE invoices (
        id          uuid PRIMARY KEY,
        number      text NOT NULL UNIQUE CHECK (number ~ '^INV-[0-9]{6,}$'),
        seq         bigint NOT NULL UNIQUE,
        tenant_id   text NOT NULL,
        period      char(7) NOT NULL REFERENCES finalized_periods (period),
        currency    char(3) NULL,
        total       numeric NOT NULL,
        issued_at   timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, period)
      )`);
    await q.query(`CREATE INDEX invoices_period_idx ON invoices (period, seq)`);

    await q.query(`
      CREATE TABLE invoice_lines (
        invoice_id     uuid NOT NULL REFERENCES invoices (id),
        line_no        integer NOT NULL,
        type           text NOT NULL CHECK (type IN ('usage', 'adjustment')),
        resource_type  text NOT NULL,
        subject        text NOT NULL,
        adjusts_period char(7) NULL,
        hours          numeric NULL,
        amount         numeric NOT NULL,
        exact_amount   numeric NULL,
        intervals      jsonb NULL,
        PRIMARY KEY (invoice_id, line_no),
        CHECK ((type = 'adjustment') = (adjusts_period IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX invoice_lines_resource_idx ON invoice_lines (resource_type, subject)`,
    );
    for (const table of ['invoices', 'invoice_lines', 'invoice_counter']) {
      if (table === 'invoice_counter') continue; // the counter is updated, never deleted
      await q.query(`
        CREATE TRIGGER ${table}_immutable BEFORE UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION forbid_update_delete()`);
    }
    await q.query(`
      CREATE TRIGGER finalized_periods_immutable BEFORE UPDATE OR DELETE ON finalized_periods
        FOR EACH ROW EXECUTE FUNCTION forbid_update_delete()`);

    await q.query(`
      CREATE TABLE restatements (
        resource_type text NOT NULL,
        subject       text NOT NULL,
        tenant_id     text NOT NULL,
        period        char(7) NOT NULL REFERENCES finalized_periods (period),
        detected_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (resource_type, subject, period)
      )`);
    await q.query(`CREATE INDEX restatements_tenant_idx ON restatements (tenant_id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE restatements');
    await q.query('DROP TRIGGER finalized_periods_immutable ON finalized_periods');
    await q.query('DROP TABLE invoice_lines');
    await q.query('DROP TABLE invoices');
    await q.query('DROP TABLE invoice_counter');
    await q.query('ALTER TABLE resources DROP COLUMN dirty_from');
  }
}
