/**
 * Builders shared by the event-validation specs (no test-framework globals,
 * so the file also compiles with the production tsconfig).
 */
import type { EventType } from './cloud-event.types';

/** The fixed "now" of the specs: 2026-10-16T12:00:00Z. */
export const NOW = Date.parse('2026-10-16T12:00:00Z');

/** Valid data (besides tenantId) for each event type. */
export const VALID_DATA: Record<EventType, Record<string, unknown>> = {
  'vm.created': { template: 'standard', state: 'running' },
  'vm.started': {},
  'vm.resumed': { state: 'running' },
  'vm.suspended': { state: 'suspended' },
  'vm.stopped': { state: 'stopped', template: 'normal' },
  'vm.resized': { template: 'enhanced' },
  'vm.migrated': { fromNode: 'node-1', toNode: 'node-2' },
  'vm.deleted': {},
  'vs.created': { template: 'normal', realServerCount: 3 },
  'vs.updated': { realServerCount: '4' },
  'vs.deleted': {},
  'image.created': { sizeGb: '120.5' },
  'image.deleted': {},
};

/** A valid structured event (vm.created by default); `overrides` replace or add attributes. */
export function structured(
  overrides: Record<string, unknown> = {},
  data: Record<string, unknown> = { tenantId: 't-1', template: 'standard', state: 'running' },
): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: '//control-plane/cluster-7',
    type: 'vm.created',
    time: '2026-10-16T11:00:00Z',
    subject: 'vm-1',
    datacontenttype: 'application/json',
    data,
    ...overrides,
  };
}

/** Drops the named members from a copy of `obj`. */
export function without(obj: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  const copy = { ...obj };
  for (const k of keys) delete copy[k];
  return copy;
}
