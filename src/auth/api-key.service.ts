import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { ProblemCode, ProblemException } from '../common/problem/problem';
import type { AppConfig } from '../config/env.schema';
import { ApiKeyEntity } from './api-key.entity';
import type { Principal, Scope } from './principal';
import { TtlCache } from './ttl-cache';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** `bk_` + base64url of 32 random bytes (43 characters, no padding). */
export const API_KEY_FORMAT = /^bk_[A-Za-z0-9_-]{43}$/;
/** How much of a key is stored in clear, for humans: `bk_` + 8 chars (48 of its 256 bits). */
export const KEY_PREFIX_LENGTH = 11;
/**
 * How long one replica trusts a lookup, positive or negative. CONTRACT §7 wants
 * a revocation in force on every replica within 5 s; 2 s leaves room for slow
 * queries and clock-free reasoning (see `verify`).
 */
export const VERIFY_CACHE_TTL_MS = 2_000;
/** Bounds the memory an attacker spraying random keys can make us use. */
export const VERIFY_CACHE_MAX_ENTRIES = 10_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface IssuedApiKey {
  id: string;
  /** The key itself: answered once, never stored or logged. */
  key: string;
  scope: Scope;
  tenantId: string | null;
  createdAt: string;
}

export interface ApiKeyView {
  id: string;
  scope: Scope;
  tenantId: string | null;
  keyPrefix: string;
  createdAt: string;
  revokedAt: string | null;
}

/**
 * Issues, lists and revokes API keys, and resolves bearer keys to principals:
 * the `ADMIN_API_KEY` environment key (compared in constant time over hashes)
 * and the keys stored in `api_keys`, looked up by SHA-256.
 *
 * Revocation on every replica within 5 s: each replica caches its lookups —
 * positive AND negative — in process for at most 2 s (`VERIFY_CACHE_TTL_MS`,
 * counted from when the query *started*, so the answer is never older than
 * that), in a bounded map. PostgreSQL is the only shared state, so there is
 * nothing to invalidate across replicas: a key revoked at instant R is refused
 * everywhere by R + 2 s plus one query. The replica that revokes also drops its
 * own entry at once. Concurrent lookups of one key share a query only if it
 * started less than the TTL ago, so coalescing never stretches that bound.
 *
 * A database error while verifying propagates (the problem filter answers 503
 * for transient ones) and is never cached: answering 401 would tell a valid
 * client that its key is bad.
 */
@Injectable()
export class ApiKeyService {
  private readonly adminKeyHash: Buffer | null;
  private readonly repo: Repository<ApiKeyEntity>;
  private readonly cache = new TtlCache<Principal | null>(VERIFY_CACHE_MAX_ENTRIES);
  private readonly inFlight = new Map<
    string,
    { startedAt: number; lookup: Promise<Principal | null> }
  >();
  /** Monotonic milliseconds; replaceable in unit tests. */
  now: () => number = () => performance.now();

  constructor(config: ConfigService<AppConfig, true>, dataSource: DataSource) {
    const key = config.get('ADMIN_API_KEY', { infer: true });
    this.adminKeyHash = key ? sha256(key) : null;
    this.repo = dataSource.getRepository(ApiKeyEntity);
  }

  async verify(key: string): Promise<Principal | null> {
    const hash = sha256(key);
    if (this.adminKeyHash && timingSafeEqual(hash, this.adminKeyHash)) {
      return { keyId: 'env:ADMIN_API_KEY', scope: 'admin', tenantId: null };
    }
    // Not one of ours: no query, no cache entry.
    if (!API_KEY_FORMAT.test(key)) return null;
    // Keyed by hash, so no clear key is kept in memory. Lookups by hash leak no
    // useful timing: the hash of a 256-bit random key cannot be inverted.
    const keyHash = hash.toString('hex');
    const now = this.now();
    const cached = this.cache.get(keyHash, now);
    if (cached !== undefined) return cached;
    const pending = this.inFlight.get(keyHash);
    if (pending && now - pending.startedAt < VERIFY_CACHE_TTL_MS) return pending.lookup;
    return this.lookup(keyHash, now);
  }

  private lookup(keyHash: string, startedAt: number): Promise<Principal | null> {
    const lookup = this.repo
      .findOne({ where: { keyHash, revokedAt: IsNull() } })
      .then((row) => {
        const principal: Principal | null = row
          ? { keyId: row.id, scope: row.scope, tenantId: row.tenantId }
          : null;
        this.cache.set(keyHash, principal, startedAt + VERIFY_CACHE_TTL_MS, this.now());
        return principal;
      })
      .finally(() => {
        if (this.inFlight.get(keyHash)?.lookup === lookup) this.inFlight.delete(keyHash);
      });
    this.inFlight.set(keyHash, { startedAt, lookup });
    return lookup;
  }

  /** Creates a key; the answer is the only place the key ever appears. */
  async issue(scope: Scope, tenantId: string | null): Promise<IssuedApiKey> {
    const key = `bk_${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    const rows: { created_at: Date }[] = await this.repo.query(
      `INSERT INTO api_keys (id, scope, tenant_id, key_hash, key_prefix)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING created_at`,
      [id, scope, tenantId, sha256(key).toString('hex'), key.slice(0, KEY_PREFIX_LENGTH)],
    );
    return { id, key, scope, tenantId, createdAt: rows[0].created_at.toISOString() };
  }

  /**
   * Revokes a key (idempotent: a second revocation keeps the first instant).
   * Unknown or malformed ids are a 404.
   */
  async revoke(id: string): Promise<void> {
    if (!UUID.test(id)) throw notFound();
    const result = await this.repo
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ revokedAt: () => 'COALESCE(revoked_at, now())' })
      .where('id = :id', { id })
      .returning('key_hash')
      .execute();
    const rows = result.raw as { key_hash: string }[];
    if (rows.length === 0) throw notFound();
    // This replica refuses it at once; the others within the TTL.
    this.cache.delete(rows[0].key_hash);
  }

  /** Every key, oldest first: never the key or its hash. */
  async list(): Promise<ApiKeyView[]> {
    const rows = await this.repo.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map((r) => ({
      id: r.id,
      scope: r.scope,
      tenantId: r.tenantId,
      keyPrefix: r.keyPrefix,
      createdAt: r.createdAt.toISOString(),
      revokedAt: r.revokedAt?.toISOString() ?? null,
    }));
  }
}

function notFound(): ProblemException {
  return new ProblemException(404, ProblemCode.NotFound, 'No such API key');
}
