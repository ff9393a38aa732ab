import { z } from 'zod';

/** Thrown when the environment is invalid; its message is one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const url = (protocols: string[]) =>
  z
    .string()
    .min(1)
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL with scheme ${protocols.map((p) => p.replace(':', '://')).join(' or ')}`,
    );

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be an integer between ${min} and ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be an integer between ${min} and ${max}`);

/** Every environment variable the service reads (README "Configuration"). */
const envSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_SENTINELS: z
    .string()
    .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, 'must be a comma-separated list of host:port')
    .transform((v) =>
      v.split(',').map((hp) => ({
        host: hp.slice(0, hp.lastIndexOf(':')),
        port: Number(hp.slice(hp.lastIndexOf(':') + 1)),
      })),
    )
    .optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).default('mymaster'),
  PORT: int(1, 65535).default('3000'),
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  FINALIZE_AFTER_HOURS: int(0, 8760).default('72'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: int(1, 65535).default('54329'),
  EVENTS_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"')
    .default('control-plane-events'),
  BULLMQ_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"')
    .default('bull'),
  /** Rating jobs one worker process runs at once (each one transaction, one pool connection). */
  RATING_CONCURRENCY: int(1, 64).default('8'),
  /** Debugging and tests: record every rating run (lock held from/to) in rating_runs. */
  RATING_AUDIT: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Fault injection for tests: hold each rating transaction open this long before commit. */
  RATING_FAULT_DELAY_MS: int(0, 600000).default('0'),
  /** Fault injection for tests: after a rating job's commits, wait this long before acknowledging it. */
  RATING_FAULT_ACK_DELAY_MS: int(0, 600000).default('0'),
  /** Milliseconds to keep serving after readiness turns red on SIGTERM, before closing. */
  SHUTDOWN_DELAY_MS: int(0, 120000).default('0'),
  DB_POOL_SIZE: int(1, 200).default('10'),
  DB_CONNECT_TIMEOUT_MS: int(100, 120000).default('5000'),
  DB_STATEMENT_TIMEOUT_MS: int(100, 3600000).default('30000'),
  /** MiB of serialized statement answers (JSON and gzip) kept per process for ended periods; 0 = no cache. */
  STATEMENT_CACHE_MB: int(0, 65536).default('64'),
});

export type Env = z.infer<typeof envSchema>;

/**
 * Validates the raw environment. Empty strings count as unset, so
 * `DATABASE_URL=` in a compose file means "use the default".
 */
export function parseEnv(raw: NodeJS.ProcessEnv): Env {
  const cleaned = Object.fromEntries(
    Object.keys(envSchema.shape).map((k) => [k, raw[k] === '' ? undefined : raw[k]]),
  );
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue.path[0]);
    const shown = name === 'ADMIN_API_KEY' || name.endsWith('_URL') ? '' : ` (got "${raw[name]}")`;
    const message =
      issue.code === 'invalid_enum_value'
        ? `must be one of ${issue.options.join(', ')}`
        : issue.message;
    throw new ConfigError(`Invalid configuration: ${name} ${message}${shown}`);
  }
  return result.data;
}

/** The configuration the application runs with: the environment plus resolved service URLs. */
export interface AppConfig extends Env {
  databaseUrl: string;
  redisUrl: string;
}
