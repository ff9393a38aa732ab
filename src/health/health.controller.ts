import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type Redis from 'ioredis';
import { problem, ProblemCode, ProblemException } from '../common/problem/problem';
import { ApiProblems } from '../openapi/problem-responses';
import { ref } from '../openapi/schemas';
import { LifecycleService } from '../lifecycle/lifecycle.service';
import { REDIS } from '../redis/redis.module';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly lifecycle: LifecycleService,
  ) {}

  /** Liveness depends on nothing external: a database outage must not restart every pod. */
  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process answers',
    description: 'Unauthenticated. Depends on nothing external.',
  })
  @ApiResponse({ status: 200, description: 'Alive', schema: ref('Liveness') })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  // Same no-cache header as the default; terminus' own OpenAPI answers are replaced by ours
  // (a failed check answers a 503 problem, not terminus' body).
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Readiness: PostgreSQL and Redis reachable',
    description: 'Unauthenticated. Each dependency is checked with a 2 s timeout.',
  })
  @ApiResponse({ status: 200, description: 'Both reachable', schema: ref('Readiness') })
  @ApiProblems({
    status: 503,
    headers: {
      'Retry-After': {
        description: 'Seconds to wait; sent while the process is shutting down (draining)',
        schema: { type: 'integer', minimum: 0 },
      },
    },
    description:
      'Not ready: `service-unavailable` — PostgreSQL or Redis is not reachable (extension ' +
      '`checks`: per dependency), or the process is shutting down',
    examples: {
      [ProblemCode.ServiceUnavailable]: problem(
        503,
        ProblemCode.ServiceUnavailable,
        'A dependency is unavailable',
        {
          checks: {
            postgres: { status: 'up' },
            redis: { status: 'down', message: 'not reachable' },
          },
        },
      ),
    },
  })
  ready() {
    if (this.lifecycle.draining) {
      throw new ProblemException(
        503,
        ProblemCode.ServiceUnavailable,
        'Shutting down: draining',
        {},
        { 'retry-after': '1' },
      );
    }
    return this.health.check([
      () => this.db.pingCheck('postgres', { timeout: 2000 }),
      async () => {
        const redis = this.indicators.check('redis');
        try {
          const pong = await Promise.race([
            this.redis.ping(),
            new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000)),
          ]);
          return pong === 'PONG' ? redis.up() : redis.down({ message: 'unexpected answer' });
        } catch {
          return redis.down({ message: 'not reachable' });
        }
      },
    ]);
  }
}
