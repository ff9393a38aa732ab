/**
 * The pure rating core, in process, no I/O: VM histories of ~10 events (the
 * ingest workload) rated by `rateResource`, then each resource's line for the
 * month by `piecesInPeriod` + `lineAmount` (`usageLine`), as a rating worker
 * and a statement do. Runs for BENCH_RATING_SECONDS (default 5) after a 1 s
 * warm-up over BENCH_RATING_VMS (default 10,000) resources, round robin.
 * Reports intervals priced per second (rated segments), resources/s, events/s.
 */
import { periodRange, rateResource, usageLine } from '../src/rating/core';
import type { RatingEvent } from '../src/rating/core/types';
import { progress, progressDone, report } from './lib/harness';
import { envInt, runAsScript } from './lib/util';
import { corePriceBook, previousMonth, ratingEvent, vmWorkload } from './lib/workload';

export async function run(): Promise<void> {
  const vmCount = envInt('BENCH_RATING_VMS', 10_000);
  const seconds = envInt('BENCH_RATING_SECONDS', 5);
  const month = previousMonth();
  const books = [corePriceBook(month.start)];
  const asOf = periodRange(month.period).end;
  const resources: { tenantId: string; events: RatingEvent[] }[] = vmWorkload(vmCount * 10, {
    tenants: 20,
  }).vms.map((v) => ({ tenantId: v.tenantId, events: v.events.map(ratingEvent) }));

  let sink = 0;
  const pass = (budgetMs: number, label: string) => {
    let rated = 0;
    let intervals = 0;
    let events = 0;
    let lines = 0;
    const started = performance.now();
    let now = started;
    let i = 0;
    let lastProgress = started;
    while (now - started < budgetMs) {
      // 100 resources between clock reads
      for (let k = 0; k < 100; k++, i = (i + 1) % resources.length) {
        const r = resources[i];
        // the service hands the core events in storage order: copy, the core sorts
        const result = rateResource({
          resourceType: 'vm',
          tenantId: r.tenantId,
          events: [...r.events],
          books,
        });
        const line = usageLine(result.segments, month.period, asOf);
        if (line) {
          lines++;
          sink += line.amount.isZero() ? 0 : 1;
        }
        rated++;
        intervals += result.segments.length;
        events += r.events.length;
      }
      now = performance.now();
      if (now - lastProgress > 250) {
        lastProgress = now;
        progress(
          `rating core (${label}): ${rated.toLocaleString()} resources, ` +
            `${Math.round((intervals / (now - started)) * 1000).toLocaleString()} intervals/s`,
        );
      }
    }
    return { rated, intervals, events, lines, seconds: (now - started) / 1000 };
  };

  pass(1000, 'warm-up');
  const r = pass(seconds * 1000, 'measuring');
  progressDone();
  if (sink < 0) console.log(sink); // keeps the work observable
  report('rating-core', {
    'resources in the set': resources.length,
    'events per resource': r.events / r.rated,
    seconds: r.seconds,
    'resources rated': r.rated,
    'intervals priced (segments)': r.intervals,
    'intervals/s': r.intervals / r.seconds,
    'resources/s': r.rated / r.seconds,
    'events/s': r.events / r.seconds,
    'µs per resource': (r.seconds * 1e6) / r.rated,
  });
}

runAsScript(module, run);
