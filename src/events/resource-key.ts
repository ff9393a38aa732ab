import type { ResourceType } from '../rating/core/types';

/** A resource is identified by its type and the events' `subject` (CONTRACT §1). */
export interface ResourceKey {
  resourceType: ResourceType;
  subject: string;
}

export const resourceKeyString = (k: ResourceKey) => `${k.resourceType}/${k.subject}`;

/** The order of resource keys: type, then subject (code units) — also the lock order. */
export function compareResourceKeys(a: ResourceKey, b: ResourceKey): number {
  if (a.resourceType !== b.resourceType) return a.resourceType < b.resourceType ? -1 : 1;
  return a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0;
}

/** Distinct keys in a stable order (`compareResourceKeys`). */
export function distinctResourceKeys(keys: Iterable<ResourceKey>): ResourceKey[] {
  const map = new Map<string, ResourceKey>();
  for (const k of keys)
    map.set(resourceKeyString(k), { resourceType: k.resourceType, subject: k.subject });
  return [...map.values()].sort(compareResourceKeys);
}
