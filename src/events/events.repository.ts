import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { instant, tuples, type TupleColumns } from '../database/json-tuples';
import { preparedQuery } from '../database/prepared';
import { Decimal } from '../rating/core/decimal';
import type { RatingEvent, ResourceType } from '../rating/core/types';
import { compareResourceKeys, resourceKeyString, type ResourceKey } from './resource-key';
import type { IncomingEvent } from './validation';

/** A (source, id) stored before with other content. */
export interface ContentConflict {
  kind: 'content';
  source: string;
  id: string;
}
/** A resource that already belongs to another tenant. */
export interface TenantConflict {
  kind: 'tenant';
  resource: ResourceKey;
  storedTenantId: string;
  tenantId: string;
}

/**
 * Events, resources and the "needs rating" marks. Ingest only ever inserts:
 * events, a resource's row when it is new (`ON CONFLICT DO NOTHING` takes no
 * lock on a row that exists), and one mark per resource per transaction. So
 * concurrent batches and ratings never wait for each other's rows.
 */
@Injectable()
export class EventsRepository {
  /**
   * Inserts the events that are new, and the rows of resources not seen
   * before (with the event's tenant), in one statement; `(source, id)`
   * already stored with the same content are duplicates, with other content
   * conflicts. Events must be distinct by (source, id), and each resource
   * have one tenant in the batch (`findBatchConflicts`).
   */
  async insertEvents(
    em: EntityManager,
    events: IncomingEvent[],
    via: 'http' | 'queue',
  ): Promise<{ inserted: IncomingEvent[]; duplicates: number; conflicts: ContentConflict[] }> {
    const sorted = [...events].sort((a, b) =>
      a.source === b.source ? cmp(a.id, b.id) : cmp(a.source, b.source),
    );
    // The batch as one JSON array of tuples (`tuples`): one JSON.stringify
    // instead of eleven array literals, which pg escapes element by element
    // (the two JSON texts character by character), and one parse in
    // PostgreSQL, where `data` and `raw` are taken as they were parsed.
    // Only resources this statement's snapshot does not see are inserted: an
    // INSERT … ON CONFLICT that meets a row whose update has not committed
    // waits for that transaction, and every rating updates its resources'
    // rows (`rated_seq`), so offering every resource of the batch made ingest
    // wait for ratings in flight. New resources are inserted in key order
    // (`COLLATE "C"`): a batch waits for another's uncommitted insert of the
    // same key, and the fixed order means two batches never wait for each
    // other in a circle.
    const rows: { source: string; id: string }[] = await preparedQuery(
      em,
      `WITH u AS MATERIALIZED (${tuples('$1', EVENT_TUPLE, { ordinality: 'n' })}),
       created AS (
         INSERT INTO resources (resource_type, subject, tenant_id)
         SELECT rt, sub, min(ten) FROM u
          -- OFFSET 0: one index probe per row, never an anti-join over the whole table
          WHERE NOT EXISTS (SELECT FROM resources r WHERE r.resource_type = u.rt AND r.subject = u.sub OFFSET 0)
          GROUP BY rt, sub ORDER BY rt COLLATE "C", sub COLLATE "C"
         ON CONFLICT (resource_type, subject) DO NOTHING
         RETURNING 1)
       INSERT INTO events (source, id, resource_type, subject, tenant_id, type, time, sequence, data, raw, content_hash, via)
       SELECT s, i, rt, sub, ten, ty, t, seq, d, r, h, $2
         FROM u
        ORDER BY n
       ON CONFLICT (source, id) DO NOTHING
       RETURNING source, id`,
      [
        // in the order of EVENT_TUPLE
        JSON.stringify(
          sorted.map((e) => [
            e.source,
            e.id,
            e.resourceType,
            e.subject,
            e.tenantId,
            e.type,
            instant(e.time),
            e.sequence,
            e.data,
            e.raw,
            e.contentHash,
          ]),
        ),
        via,
      ],
    );
    // each of `sorted` is inserted once at most: as many rows, all of them
    if (rows.length === sorted.length) return { inserted: sorted, duplicates: 0, conflicts: [] };
    const insertedKeys = new Set(rows.map((r) => `${r.source}\u0000${r.id}`));
    const inserted = sorted.filter((e) => insertedKeys.has(`${e.source}\u0000${e.id}`));
    const existing = sorted.filter((e) => !insertedKeys.has(`${e.source}\u0000${e.id}`));
    if (existing.length === 0) return { inserted, duplicates: 0, conflicts: [] };
    const stored: { source: string; id: string; content_hash: string }[] = await em.query(
      `SELECT e.source, e.id, e.content_hash
         FROM unnest($1::text[], $2::text[]) AS u(s, i)
         JOIN events e ON e.source = u.s AND e.id = u.i`,
      [existing.map((e) => e.source), existing.map((e) => e.id)],
    );
    const hashes = new Map(stored.map((r) => [`${r.source}\u0000${r.id}`, r.content_hash]));
    const conflicts: ContentConflict[] = existing
      .filter((e) => hashes.get(`${e.source}\u0000${e.id}`) !== e.contentHash)
      .map((e) => ({ kind: 'content', source: e.source, id: e.id }));
    return { inserted, duplicates: existing.length - conflicts.length, conflicts };
  }

  /**
   * Marks the resources of newly stored events as needing rating: one
   * `rating_marks` row each, with the earliest event time (rating changes
   * nothing before it). Insert-only, so it never
   * waits for a batch or a rating that holds the same resource. Runs after
   * `insertEvents` (whose resource rows are committed or this
   * transaction's own by then, and so visible here): a resource that belongs
   * to another tenant is answered instead, and then nothing is marked (the
   * caller rolls back).
   */
  async markChanged(em: EntityManager, events: IncomingEvent[]): Promise<TenantConflict[]> {
    // one mark per resource: its tenant and its earliest event time, in key order
    const marks = new Map<string, ResourceKey & { tenantId: string; earliest: number }>();
    for (const e of events) {
      const key = resourceKeyString(e);
      const m = marks.get(key);
      if (m === undefined)
        marks.set(key, {
          resourceType: e.resourceType,
          subject: e.subject,
          tenantId: e.tenantId,
          earliest: e.time,
        });
      else if (e.time < m.earliest) m.earliest = e.time;
    }
    const inKeyOrder = [...marks.values()].sort(compareResourceKeys);
    const rows: {
      resource_type: ResourceType;
      subject: string;
      tenant_id: string;
      wanted: string;
    }[] = await preparedQuery(
      em,
      `WITH u AS MATERIALIZED (
         ${tuples('$1', MARK_TUPLE)}),
       -- one primary-key lookup per key (OFFSET 0 keeps it from being
       -- flattened into a join the planner may turn into a table scan)
       foreign_owned AS MATERIALIZED (
         SELECT r.resource_type, r.subject, r.tenant_id, u.ten AS wanted
           FROM u CROSS JOIN LATERAL (SELECT * FROM resources r
                                       WHERE r.resource_type = u.rt AND r.subject = u.sub OFFSET 0) AS r
          WHERE r.tenant_id <> u.ten),
       marked AS (
         INSERT INTO rating_marks (resource_type, subject, from_at)
         SELECT rt, sub, earliest FROM u WHERE NOT EXISTS (SELECT FROM foreign_owned)
         RETURNING 1)
       SELECT * FROM foreign_owned`,
      // in the order of MARK_TUPLE
      [
        JSON.stringify(
          inKeyOrder.map((m) => [m.resourceType, m.subject, m.tenantId, instant(m.earliest)]),
        ),
      ],
    );
    return rows.map((r) => ({
      kind: 'tenant',
      resource: { resourceType: r.resource_type, subject: r.subject },
      storedTenantId: r.tenant_id,
      tenantId: r.wanted,
    }));
  }
}

/** A resource's mark as `markChanged` sends it: type, subject, tenant, earliest event time. */
const MARK_TUPLE: TupleColumns = [
  ['rt', 'text'],
  ['sub', 'text'],
  ['ten', 'text'],
  ['earliest', 'instant'],
];

/** An event as `insertEvents` sends it. */
const EVENT_TUPLE: TupleColumns = [
  ['s', 'text'],
  ['i', 'text'],
  ['rt', 'text'],
  ['sub', 'text'],
  ['ten', 'text'],
  ['ty', 'text'],
  ['t', 'instant'],
  ['seq', 'numeric'],
  ['d', 'jsonb'],
  ['r', 'jsonb'],
  ['h', 'text'],
];

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The rated attributes of a stored event's data (validated at ingest). Only the
 * resource's own attributes count.
 */
export function attributesOf(
  resourceType: ResourceType,
  data: Record<string, unknown>,
): RatingEvent['attributes'] {
  const a: RatingEvent['attributes'] = {};
  if ((resourceType === 'vm' || resourceType === 'vs') && typeof data.template === 'string')
    a.template = data.template;
  if (
    resourceType === 'vm' &&
    (data.state === 'running' || data.state === 'suspended' || data.state === 'stopped')
  )
    a.state = data.state;
  if (resourceType === 'vs' && data.realServerCount !== undefined && data.realServerCount !== null)
    a.realServerCount = Number(data.realServerCount);
  if (
    resourceType === 'image' &&
    (typeof data.sizeGb === 'string' || typeof data.sizeGb === 'number')
  )
    a.sizeGb = new Decimal(String(data.sizeGb));
  return a;
}
