import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuthModule } from './auth/auth.module';
import { ProblemFilter } from './common/problem/problem.filter';
import type { AppConfig } from './config/env.schema';
import { dataSourceOptions, listenOnNewConnections } from './database/data-source-options';
import { HealthModule } from './health/health.module';
import { HttpApiModule } from './http-api.module';
import { MetricsModule } from './metrics/metrics.module';
import { RatingQueueModule } from './rating/rating-queue.module';
import { WorkersModule } from './workers/workers.module';
import { RedisModule } from './redis/redis.module';

@Module({})
export class AppModule {
  /** The application for one resolved configuration (validated env + service URLs). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie'],
              censor: '[redacted]',
            },
            autoLogging: {
              // health checks and scrapes are not worth a log line each
              ignore: (req) => {
                const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';
                return url.startsWith('/health') || url.startsWith('/metrics');
              },
            },
            genReqId: (req) => {
              const given = req.headers['x-request-id'];
              return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given)
                ? given
                : randomUUID();
            },
          },
        }),
        TypeOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (c: ConfigService<AppConfig, true>) =>
            dataSourceOptions({
              databaseUrl: c.get('databaseUrl', { infer: true }),
              poolSize: c.get('DB_POOL_SIZE', { infer: true }),
              connectTimeoutMs: c.get('DB_CONNECT_TIMEOUT_MS', { infer: true }),
              statementTimeoutMs: c.get('DB_STATEMENT_TIMEOUT_MS', { infer: true }),
            }),
          dataSourceFactory: async (options) =>
            listenOnNewConnections(await new DataSource(options!).initialize()),
        }),
        RedisModule,
        AuthModule,
        HealthModule,
        RatingQueueModule,
        MetricsModule,
        ...(config.ROLE === 'worker' ? [] : [HttpApiModule]),
        ...(config.ROLE === 'api' ? [] : [WorkersModule]),
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }],
    };
  }
}
