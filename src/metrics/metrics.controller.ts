import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics (unauthenticated)' })
  @ApiResponse({
    status: 200,
    description: 'The metrics in the Prometheus text exposition format 0.0.4',
    schema: { type: 'string' },
    example:
      '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n' +
      '# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.52\n',
  })
  render(): Promise<string> {
    return this.metrics.render();
  }
}
