import type { ConfigService } from '@nestjs/config';
import type { RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/env.schema';

/**
 * ioredis options for every connection the service opens. With
 * REDIS_SENTINELS set, connections go through Sentinel (master
 * REDIS_SENTINEL_NAME) and follow a failover; REDIS_URL still supplies the
 * password, database and TLS. Otherwise REDIS_URL is the server.
 */
export function redisOptions(config: ConfigService<AppConfig, true>): RedisOptions {
  const url = new URL(config.get('redisUrl', { infer: true }));
  const base: RedisOptions = {
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
  const sentinels = config.get('REDIS_SENTINELS', { infer: true });
  if (sentinels) {
    return {
      ...base,
      sentinels: sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: config.get('REDIS_SENTINEL_NAME', { infer: true }),
      sentinelPassword: base.password,
    };
  }
  return { ...base, host: url.hostname, port: url.port ? Number(url.port) : 6379 };
}
