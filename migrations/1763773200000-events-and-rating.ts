import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events (immutable, unique by (source, id) forever), resources (one tenant
 * each; the durable "needs rating" marker), and the rating output that is
 * replaced wholesale per resource.
 */
export class EventsAndRating1763773200000 implements MigrationInterface {
  name = 'EventsAndRating1763773200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE resources (
        resource_type text NOT NULL CHECK (resource_type IN ('vm', 'vs', 'image')),
        subject       text NOT NULL,
        tenant_id     text NOT NULL,
        -- bumped by every commit that adds events (or a price book that may re-price it);
        -- rated_seq is the change_seq the stored intervals reflect.
        change_seq    bigint NOT NULL DEFAULT 1,
        rated_seq     bigint NOT NULL DEFAULT 0,
        dirty_since   timestamptz NULL DEFAULT now(),
        deleted_at    timestamptz NULL,
        rated_at      timestamptz NULL,
        PRIMARY KEY (resource_type, subject),
        CHECK (rated_seq <= change_seq)
      )`);
    await q.query(
      `CREATE INDEX resources_dirty_idx ON resources (dirty_since) WHERE dirty_since IS NOT NULL`,
    );
    await q.query(`CREATE INDEX resources_tenant_idx ON resources (tenant_id)`);

    await q.query(`
      CREATE TABLE events (
        source        text NOT NULL,
        id            text NOT NULL,
        resource_type text NOT NULL,
        subject       text NOT NULL,
        tenant_id     text NOT NULL,
        type          text NOT NULL,
        time          timestamptz NOT NULL,
        sequence      numeric(19, 0) NULL CHECK (sequence >= 0),
        data          jsonb NOT NULL,
        raw           jsonb NOT NULL,
        content_hash  char(64) NOT NULL,
        via           text NOT NULL CHECK (via IN ('http', 'queue')),
        received_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, id),
        FOREIGN KEY (resource_type, subject) REFERENCES resources (resource_type, subject)
      )`);
    await q.query(`CREATE INDEX events_resource_idx ON events (resource_type, subject)`);
    await q.query(`
      CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION forbid_update_delete()`);

    await q.query(`
      CREATE TABLE rated_intervals (
        resource_type     text NOT NULL,
        subject           text NOT NULL,
        tenant_id         text NOT NULL,
        from_at           timestamptz NOT NULL,
        to_at             timestamptz NULL,
        template          text NULL,
        state             text NULL,
        real_server_count integer NULL,
        size_gb           numeric NULL,
        price_book_id     uuid NOT NULL REFERENCES price_book_versions (id),
        currency          char(3) NOT NULL,
        weight            numeric NOT NULL,
        price_per_hour    numeric NOT NULL,
        hourly_rate       numeric NOT NULL,
        opened_by         text NOT NULL,
        closed_by         text NULL,
        PRIMARY KEY (resource_type, subject, from_at),
        FOREIGN KEY (resource_type, subject) REFERENCES resources (resource_type, subject),
        CHECK (to_at IS NULL OR to_at > from_at)
      )`);
    await q.query(
      `CREATE INDEX rated_intervals_tenant_idx ON rated_intervals (tenant_id, from_at)`,
    );

    await q.query(`
      CREATE TABLE rating_issues (
        resource_type text NOT NULL,
        subject       text NOT NULL,
        tenant_id     text NOT NULL,
        from_at       timestamptz NOT NULL,
        to_at         timestamptz NULL,
        reason        text NOT NULL,
        message       text NOT NULL,
        event_ids     text[] NOT NULL,
        blocking      boolean NOT NULL,
        detected_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (resource_type, subject, from_at, reason),
        FOREIGN KEY (resource_type, subject) REFERENCES resources (resource_type, subject)
      )`);
    await q.query(`CREATE INDEX rating_issues_tenant_idx ON rating_issues (tenant_id, from_at)`);

    // Written only with RATING_AUDIT=true: when each rating held its resource's lock, and where.
    await q.query(`
      CREATE TABLE rating_runs (
        resource_type text NOT NULL,
        subject       text NOT NULL,
        worker        text NOT NULL,
        locked_at     timestamptz NOT NULL,
        finished_at   timestamptz NOT NULL
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rating_runs');
    await q.query('DROP TABLE rating_issues');
    await q.query('DROP TABLE rated_intervals');
    await q.query('DROP TABLE events');
    await q.query('DROP TABLE resources');
  }
}
