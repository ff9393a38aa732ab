import { Injectable } from '@nestjs/common';

/**
 * Process lifecycle state shared by health and shutdown: once draining,
 * readiness answers 503 so load balancers stop sending traffic while
 * in-flight requests and jobs finish.
 */
@Injectable()
export class LifecycleService {
  private drainingSince: number | null = null;

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== null;
  }
}
