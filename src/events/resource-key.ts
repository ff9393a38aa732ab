import type { ResourceType } from '../rating/core/types';

/** A resource is identified by its type and the events' `subject` (CONTRACT §1). */
export interface ResourceKey {
  resourceType: ResourceType;
  subject: string;
}

export const resourceKeyString = (k: ResourceKey) => `${k.resourceType}/${k.subject}`;

/** Distinct keys in a stable order (type, then subject) — also the lock order. */
export function distinctResourceKeys(keys: Iterable<ResourceKey>): ResourceKey[] {
  const map = new Map<string, ResourceKey>();
  for (const k of keys)
    map.set(resourceKeyString(k), { resourceType: k.resourceType, subject: k.subject });
  return [...map.values()].sort((a, b) =>
    a.resourceType === b.resourceType
      ? a.subject < b.subject
        ? -1
        : a.subject > b.subject
          ? 1
          : 0
      : a.resourceType < b.resourceType
        ? -1
        : 1,
  );
}
