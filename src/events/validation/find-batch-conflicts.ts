/** Conflicts inside one batch, which make the whole request a 409 (CONTRACT §1). */
import type { IncomingEvent } from './cloud-event.types';

/**
 * A human-readable reason if, inside the batch, one `(source, id)` carries two
 * different contents (contentHash), or one resource `(resourceType, subject)`
 * is given two different tenantIds; else null. Reports the first conflict in
 * batch order. Identical resends are not conflicts.
 */
export function findBatchConflicts(events: IncomingEvent[]): string | null {
  // keyed by each part in turn (source, then id; type, then subject): no
  // key string is built per event
  const byKey = new Map<string, Map<string, { index: number; hash: string }>>();
  const tenantOf = new Map<string, Map<string, { index: number; tenantId: string }>>();
  for (const [index, e] of events.entries()) {
    const ids = inner(byKey, e.source);
    const seen = ids.get(e.id);
    if (!seen) ids.set(e.id, { index, hash: e.contentHash });
    else if (seen.hash !== e.contentHash) {
      return `events [${seen.index}] and [${index}] share source ${JSON.stringify(e.source)} and id ${JSON.stringify(e.id)} but differ in content`;
    }

    const subjects = inner(tenantOf, e.resourceType);
    const owner = subjects.get(e.subject);
    if (!owner) subjects.set(e.subject, { index, tenantId: e.tenantId });
    else if (owner.tenantId !== e.tenantId) {
      return `${e.resourceType} ${JSON.stringify(e.subject)} is given tenant ${JSON.stringify(owner.tenantId)} by event [${owner.index}] and tenant ${JSON.stringify(e.tenantId)} by event [${index}]; a resource belongs to one tenant`;
    }
  }
  return null;
}

function inner<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let m = outer.get(key);
  if (m === undefined) outer.set(key, (m = new Map<string, V>()));
  return m;
}
