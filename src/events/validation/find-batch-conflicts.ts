/** Conflicts inside one batch, which make the whole request a 409 (CONTRACT §1). */
import type { IncomingEvent } from './cloud-event.types';

/**
 * A human-readable reason if, inside the batch, one `(source, id)` carries two
 * different contents (contentHash), or one resource `(resourceType, subject)`
 * is given two different tenantIds; else null. Reports the first conflict in
 * batch order. Identical resends are not conflicts.
 */
export function findBatchConflicts(events: IncomingEvent[]): string | null {
  const byKey = new Map<string, { index: number; hash: string }>();
  const tenantOf = new Map<string, { index: number; tenantId: string }>();
  for (const [index, e] of events.entries()) {
    const key = JSON.stringify([e.source, e.id]);
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { index, hash: e.contentHash });
    else if (seen.hash !== e.contentHash) {
      return `events [${seen.index}] and [${index}] share source ${JSON.stringify(e.source)} and id ${JSON.stringify(e.id)} but differ in content`;
    }

    const resource = JSON.stringify([e.resourceType, e.subject]);
    const owner = tenantOf.get(resource);
    if (!owner) tenantOf.set(resource, { index, tenantId: e.tenantId });
    else if (owner.tenantId !== e.tenantId) {
      return `${e.resourceType} ${JSON.stringify(e.subject)} is given tenant ${JSON.stringify(owner.tenantId)} by event [${owner.index}] and tenant ${JSON.stringify(e.tenantId)} by event [${index}]; a resource belongs to one tenant`;
    }
  }
  return null;
}
