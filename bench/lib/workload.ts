/**
 * The benchmark workload: VMs with ~10 lifecycle events each (created, then
 * started / stopped / suspended / resumed / resized / migrated, then deleted)
 * at random instants of the previous calendar month, spread over tenants; and
 * the global price book (CONTRACT §2's example). Deterministic for a seed.
 */
import { PRICE_BOOK_EXAMPLE } from '../../src/price-books/dto/price-book.openapi';
import { contentHash } from '../../src/events/validation/content-hash';
import { book } from '../../src/rating/core/test-fixtures';
import type { PriceBook, RatingEvent, VmState } from '../../src/rating/core/types';
import { prng, shuffle } from './util';

export const TEMPLATES = ['normal', 'standard', 'enhanced'] as const;
export const SOURCE = '//control-plane/bench';

export interface BenchEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  data: { tenantId: string; template?: string; state?: VmState };
}

/** The previous calendar month (UTC) of `now`: its name and [start, end). */
export function previousMonth(now = Date.now()): { period: string; start: number; end: number } {
  const d = new Date(now);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const s = new Date(start);
  const period = `${s.getUTCFullYear()}-${String(s.getUTCMonth() + 1).padStart(2, '0')}`;
  return { period, start, end };
}

export const tenantName = (i: number) => `bench-tenant-${String(i).padStart(2, '0')}`;

/** One VM's history, in time order: `count` events (≥ 2), created first, deleted last. */
function vmHistory(
  vm: number,
  count: number,
  tenantId: string,
  runId: string,
  month: { start: number; end: number },
  random: () => number,
): BenchEvent[] {
  const span = month.end - month.start;
  const times = new Set<number>();
  while (times.size < count) times.add(month.start + Math.floor(random() * span));
  const sorted = [...times].sort((a, b) => a - b);
  const subject = `vm-${runId}-${vm}`;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  let template: string = pick(TEMPLATES);
  let state: VmState = random() < 0.8 ? 'running' : pick(['suspended', 'stopped'] as const);
  const out: BenchEvent[] = [];
  const push = (type: string, data: Omit<BenchEvent['data'], 'tenantId'> = {}) =>
    out.push({
      specversion: '1.0',
      id: `${subject}-${out.length}`,
      source: SOURCE,
      type,
      time: new Date(sorted[out.length]).toISOString(),
      subject,
      data: { tenantId, ...data },
    });
  push('vm.created', { template, state });
  for (let k = 1; k < count - 1; k++) {
    const moves: string[] =
      state === 'running'
        ? ['vm.stopped', 'vm.suspended', 'vm.resized', 'vm.migrated']
        : state === 'stopped'
          ? ['vm.started', 'vm.resized', 'vm.migrated']
          : ['vm.resumed', 'vm.stopped', 'vm.migrated'];
    const type = pick(moves);
    if (type === 'vm.resized') {
      template = pick(TEMPLATES.filter((t) => t !== template));
      push(type, { template });
      continue;
    }
    if (type === 'vm.stopped') state = 'stopped';
    else if (type === 'vm.suspended') state = 'suspended';
    else if (type === 'vm.started' || type === 'vm.resumed') state = 'running';
    push(type);
  }
  push('vm.deleted');
  return out;
}

export interface Workload {
  period: string;
  /** Every event, shuffled across VMs and tenants (or in time order: `order`). */
  events: BenchEvent[];
  /** Per VM, its events in time order. */
  vms: { subject: string; tenantId: string; events: BenchEvent[] }[];
}

/**
 * `total` events: VMs of `perVm` events each (the last VM gets the remainder,
 * at least 2), VM i belonging to tenant i mod `tenants`, shuffled; or with
 * `order: 'time'`, all of them in time order, as a control plane that
 * reports each change as it happens would send them.
 */
export function vmWorkload(
  total: number,
  opts: {
    perVm?: number;
    tenants?: number;
    seed?: number;
    runId?: string;
    now?: number;
    order?: 'shuffled' | 'time';
  } = {},
): Workload {
  const perVm = opts.perVm ?? 10;
  const tenants = opts.tenants ?? 20;
  const random = prng(opts.seed ?? 42);
  const runId = opts.runId ?? 'r';
  const month = previousMonth(opts.now);
  const vms: Workload['vms'] = [];
  let left = total;
  for (let vm = 0; left > 0; vm++) {
    const count = left - perVm < 2 ? left : perVm;
    const n = Math.max(2, count);
    const tenantId = tenantName(vm % tenants);
    const events = vmHistory(vm, n, tenantId, runId, month, random);
    vms.push({ subject: events[0].subject, tenantId, events });
    left -= n;
  }
  const events = shuffle(
    vms.flatMap((v) => v.events),
    random,
  );
  // ISO instants of one format sort as text; equal instants keep the shuffle
  if (opts.order === 'time')
    events.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return { period: month.period, events, vms };
}

/** The global price book of CONTRACT §2, effective from `effectiveFrom` (an ISO instant). */
export function priceBookBody(effectiveFrom: string): Record<string, unknown> {
  return { ...structuredClone(PRICE_BOOK_EXAMPLE), effectiveFrom };
}

/** The same book as the pure core's type (the core's own fixture of it). */
export function corePriceBook(effectiveFrom: number, id = 'pb-global-bench'): PriceBook {
  return book({ id, effectiveFrom });
}

/** A bench event as the rating core reads it back from `events` (attributes from data). */
export function ratingEvent(e: BenchEvent): RatingEvent {
  const attributes: RatingEvent['attributes'] = {};
  if (e.data.template !== undefined) attributes.template = e.data.template;
  if (e.data.state !== undefined) attributes.state = e.data.state;
  return {
    source: e.source,
    id: e.id,
    type: e.type,
    time: Date.parse(e.time),
    sequence: null,
    attributes,
  };
}

/** Escapes a value for PostgreSQL's COPY text format. */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** The columns {@link copyLine} fills, in order. */
export const COPY_COLUMNS =
  'source, id, resource_type, subject, tenant_id, type, time, sequence, data, raw, content_hash, via';

/**
 * One `events` row in COPY text format: what the service stores for the event
 * (data and raw as JSON, the same content hash), so COPY writes the same bytes.
 */
export function copyLine(e: BenchEvent): string {
  const hash = contentHash({
    type: e.type,
    subject: e.subject,
    time: Date.parse(e.time),
    sequence: null,
    data: e.data,
  });
  return `${[
    e.source,
    e.id,
    'vm',
    e.subject,
    e.data.tenantId,
    e.type,
    e.time,
    null,
    JSON.stringify(e.data),
    JSON.stringify(e),
    hash,
    'http',
  ]
    .map(copyText)
    .join('\t')}\n`;
}
