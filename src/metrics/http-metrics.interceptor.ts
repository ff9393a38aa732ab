import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, tap } from 'rxjs';
import { ProblemException } from '../common/problem/problem';
import { MetricsService } from './metrics.service';

/** Latency of every handled request by method, route template and status. */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const started = process.hrtime.bigint();
    const route = req.routeOptions?.url ?? 'unknown';
    const observe = (status: number) =>
      this.metrics.httpDuration.observe(
        { method: req.method, route, status: String(status) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    return next.handle().pipe(
      tap({
        next: () => observe(reply.statusCode),
        error: (err: unknown) =>
          observe(
            err instanceof ProblemException
              ? err.problem.status
              : err instanceof HttpException
                ? err.getStatus()
                : 500,
          ),
      }),
    );
  }
}
