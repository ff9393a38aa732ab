import { findBatchConflicts } from './find-batch-conflicts';
import { NOW, structured } from './test-fixtures';
import { validateEvents } from './validate-events';
import type { IncomingEvent } from './cloud-event.types';

function events(...input: Record<string, unknown>[]): IncomingEvent[] {
  const r = validateEvents(input, NOW);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.events;
}

const vmData = (tenantId: string) => ({ tenantId, template: 'standard', state: 'running' });

describe(findBatchConflicts.name, () => {
  it('finds nothing in an empty or clean batch', () => {
    expect(findBatchConflicts([])).toBeNull();
    expect(
      findBatchConflicts(
        events(structured(), structured({ id: 'evt-2', type: 'vm.deleted' }, { tenantId: 't-1' })),
      ),
    ).toBeNull();
  });

  it('accepts an identical resend, even spelled differently', () => {
    expect(
      findBatchConflicts(
        events(
          structured(),
          structured({ time: '2026-10-16T12:00:00+01:00', traceparent: 'x', sequence: null }),
        ),
      ),
    ).toBeNull();
  });

  it('reports one (source, id) with two contents', () => {
    const conflict = findBatchConflicts(
      events(
        structured({ id: 'a' }),
        structured(),
        structured({}, { ...vmData('t-1'), template: 'enhanced' }),
      ),
    );
    expect(conflict).toMatchObject({
      kind: 'content',
      source: '//control-plane/cluster-7',
      id: 'evt-1',
    });
    expect(conflict?.detail).toMatch(
      /events \[1\] and \[2\].*"\/\/control-plane\/cluster-7".*"evt-1".*differ/,
    );
  });

  it('does not mix up ids of different sources', () => {
    expect(
      findBatchConflicts(events(structured(), structured({ source: 'urn:x', subject: 'vm-1' }))),
    ).toBeNull();
    expect(
      findBatchConflicts(events(structured(), structured({ source: 'urn:x', subject: 'vm-9' }))),
    ).toBeNull();
  });

  it('reports one resource with two tenants', () => {
    const conflict = findBatchConflicts(
      events(structured(), structured({ id: 'evt-2', type: 'vm.deleted' }, { tenantId: 't-2' })),
    );
    expect(conflict).toMatchObject({ kind: 'tenant', resourceType: 'vm', resourceId: 'vm-1' });
    expect(conflict?.detail).toMatch(/vm "vm-1".*"t-1".*\[0\].*"t-2".*\[1\]/);
  });

  it('treats the same subject of different resource types as different resources', () => {
    expect(
      findBatchConflicts(
        events(
          structured(),
          structured({ id: 'evt-2', type: 'image.created' }, { tenantId: 't-2', sizeGb: '10' }),
        ),
      ),
    ).toBeNull();
  });
});
