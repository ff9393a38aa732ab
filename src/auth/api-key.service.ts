import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../config/env.schema';
import type { Principal } from './principal';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Resolves bearer keys to principals. Today: the `ADMIN_API_KEY` environment
 * key, compared in constant time over hashes.
 */
@Injectable()
export class ApiKeyService {
  private readonly adminKeyHash: Buffer | null;

  constructor(config: ConfigService<AppConfig, true>) {
    const key = config.get('ADMIN_API_KEY', { infer: true });
    this.adminKeyHash = key ? sha256(key) : null;
  }

  async verify(key: string): Promise<Principal | null> {
    if (this.adminKeyHash && timingSafeEqual(sha256(key), this.adminKeyHash)) {
      return { keyId: 'env:ADMIN_API_KEY', scope: 'admin', tenantId: null };
    }
    return null;
  }
}
