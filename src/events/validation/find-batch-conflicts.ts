/** Conflicts inside one batch, which make the whole request a 409 (CONTRACT §1). */
import type { IncomingEvent } from './cloud-event.types';

/**
 * A conflict inside one batch: one `(source, id)` with two contents, or one
 * resource given two tenants. `kind` picks the problem code (the same codes
 * as the same conflicts against stored rows), `detail` says which events.
 */
export type BatchConflict =
  | { kind: 'content'; detail: string; source: string; id: string }
  | { kind: 'tenant'; detail: string; resourceType: string; resourceId: string };

/**
 * The first conflict in batch order, if, inside the batch, one `(source, id)`
 * carries two different contents (contentHash), or one resource
 * `(resourceType, subject)` is given two different tenantIds; else null.
 * Identical resends are not conflicts.
 */
export function findBatchConflicts(events: IncomingEvent[]): BatchConflict | null {
  // keyed by each part in turn (source, then id; type, then subject): no
  // key string is built per event
  const byKey = new Map<string, Map<string, { index: number; hash: string }>>();
  const tenantOf = new Map<string, Map<string, { index: number; tenantId: string }>>();
  for (const [index, e] of events.entries()) {
    const ids = inner(byKey, e.source);
    const seen = ids.get(e.id);
    if (!seen) ids.set(e.id, { index, hash: e.contentHash });
    else if (seen.hash !== e.contentHash) {
      return {
        kind: 'content',
        detail: `events [${seen.index}] and [${index}] share source ${JSON.stringify(e.source)} and id ${JSON.stringify(e.id)} but differ in content`,
        source: e.source,
        id: e.id,
      };
    }

    const subjects = inner(tenantOf, e.resourceType);
    const owner = subjects.get(e.subject);
    if (!owner) subjects.set(e.subject, { index, tenantId: e.tenantId });
    else if (owner.tenantId !== e.tenantId) {
      return {
        kind: 'tenant',
        detail: `${e.resourceType} ${JSON.stringify(e.subject)} is given tenant ${JSON.stringify(owner.tenantId)} by event [${owner.index}] and tenant ${JSON.stringify(e.tenantId)} by event [${index}]; a resource belongs to one tenant`,
        resourceType: e.resourceType,
        resourceId: e.subject,
      };
    }
  }
  return null;
}

function inner<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let m = outer.get(key);
  if (m === undefined) outer.set(key, (m = new Map<string, V>()));
  return m;
}
