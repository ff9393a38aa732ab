import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys (CONTRACT §7). Only the SHA-256 of a key is stored, never the key:
 * keys are 256 random bits, so a fast unsalted hash is right here — nothing
 * can be guessed or precomputed, and a slow password hash would only cost
 * CPU on every request. The prefix lets humans recognise a key in listings.
 */
export class ApiKeys1763776800000 implements MigrationInterface {
  name = 'ApiKeys1763776800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id          uuid PRIMARY KEY,
        scope       text NOT NULL CHECK (scope IN ('admin', 'ingest', 'tenant')),
        tenant_id   text NULL CHECK (tenant_id ~ '^[A-Za-z0-9._-]{1,128}$'),
        -- lowercase hex SHA-256 of the whole key
        key_hash    char(64) NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
        key_prefix  text NOT NULL CHECK (length(key_prefix) BETWEEN 1 AND 16),
        created_at  timestamptz NOT NULL DEFAULT now(),
        revoked_at  timestamptz NULL,
        -- a tenant key names its tenant; no other key does
        CONSTRAINT api_keys_tenant_iff_tenant_scope CHECK ((scope = 'tenant') = (tenant_id IS NOT NULL)),
        CONSTRAINT api_keys_revoked_after_created CHECK (revoked_at IS NULL OR revoked_at >= created_at)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS api_keys`);
  }
}
