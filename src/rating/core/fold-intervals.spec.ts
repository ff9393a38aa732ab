import { d, ev, HOUR, OCT_2026, vmAttrs } from './test-fixtures';
import { foldIntervals } from './fold-intervals';
import { RatingIssueReason } from './types';

const T0 = OCT_2026;

describe(foldIntervals.name, () => {
  it('opens one interval at vm.created and keeps it open while nothing changes', () => {
    const created = ev('vm.created', T0, vmAttrs('standard', 'running'));
    expect(foldIntervals('vm', [created])).toEqual({
      intervals: [
        {
          from: T0,
          to: null,
          attributes: { template: 'standard', state: 'running' },
          openedBy: created.id,
          closedBy: null,
        },
      ],
      issues: [],
    });
  });

  it('splits at a resize and a suspension; closedBy of one is openedBy of the next', () => {
    const created = ev('vm.created', T0, vmAttrs('standard', 'running'));
    const resized = ev('vm.resized', T0 + 10 * HOUR, { template: 'enhanced' });
    const suspended = ev('vm.suspended', T0 + 20 * HOUR);
    const deleted = ev('vm.deleted', T0 + 30 * HOUR);
    const { intervals, issues } = foldIntervals('vm', [deleted, suspended, created, resized]);
    expect(issues).toEqual([]);
    expect(intervals).toEqual([
      {
        from: T0,
        to: T0 + 10 * HOUR,
        attributes: { template: 'standard', state: 'running' },
        openedBy: created.id,
        closedBy: resized.id,
      },
      {
        from: T0 + 10 * HOUR,
        to: T0 + 20 * HOUR,
        attributes: { template: 'enhanced', state: 'running' },
        openedBy: resized.id,
        closedBy: suspended.id,
      },
      {
        from: T0 + 20 * HOUR,
        to: T0 + 30 * HOUR,
        attributes: { template: 'enhanced', state: 'suspended' },
        openedBy: suspended.id,
        closedBy: deleted.id,
      },
    ]);
  });

  it.each([
    ['vm.started', 'stopped', 'running'],
    ['vm.resumed', 'suspended', 'running'],
    ['vm.suspended', 'running', 'suspended'],
    ['vm.stopped', 'running', 'stopped'],
  ] as const)('lets the type %s win over a carried state %s', (type, carried, expected) => {
    const created = ev('vm.created', T0, vmAttrs('normal', 'running'));
    const change = ev(type, T0 + HOUR, { state: carried });
    const { intervals } = foldIntervals('vm', [created, change]);
    expect(intervals[intervals.length - 1].attributes.state).toBe(expected);
  });

  it('applies attributes carried by any event (vm.migrated carrying a template)', () => {
    const created = ev('vm.created', T0, vmAttrs('normal', 'running'));
    const migrated = ev('vm.migrated', T0 + HOUR, { template: 'standard' });
    const { intervals } = foldIntervals('vm', [created, migrated]);
    expect(intervals.map((i) => [i.from, i.attributes.template])).toEqual([
      [T0, 'normal'],
      [T0 + HOUR, 'standard'],
    ]);
  });

  it('does not split at an event that changes nothing (migration, repeated state, same size)', () => {
    const created = ev('vm.created', T0, vmAttrs('normal', 'running'));
    const migrated = ev('vm.migrated', T0 + HOUR);
    const started = ev('vm.started', T0 + 2 * HOUR, { template: 'normal' });
    expect(foldIntervals('vm', [created, migrated, started]).intervals).toHaveLength(1);
    const image = ev('image.created', T0, { sizeGb: d('100') });
    const same = ev('image.created', T0 + HOUR, { sizeGb: d('100.000') });
    expect(foldIntervals('image', [image, same]).intervals).toHaveLength(1);
  });

  it('ignores attributes that do not belong to the resource type', () => {
    const created = ev('vm.created', T0, { ...vmAttrs('normal', 'running'), sizeGb: d('5') });
    const other = ev('vm.migrated', T0 + HOUR, { realServerCount: 3, sizeGb: d('7') });
    const { intervals } = foldIntervals('vm', [created, other]);
    expect(intervals).toHaveLength(1);
    expect(intervals[0].attributes).toEqual({ template: 'normal', state: 'running' });
  });

  it('starts billing only once all required attributes are known', () => {
    const started = ev('vm.started', T0);
    const resized = ev('vm.resized', T0 + 5 * HOUR, { template: 'normal' });
    const { intervals, issues } = foldIntervals('vm', [resized, started]);
    expect(issues).toEqual([]);
    expect(intervals).toEqual([
      {
        from: T0 + 5 * HOUR,
        to: null,
        attributes: { template: 'normal', state: 'running' },
        openedBy: resized.id,
        closedBy: null,
      },
    ]);
  });

  it('drops zero-length intervals: the attributes after the last event at an instant count', () => {
    const created = ev('vm.created', T0, vmAttrs('normal', 'running'), { sequence: 1n });
    const stopped = ev('vm.stopped', T0, {}, { sequence: 2n });
    const resized = ev('vm.resized', T0 + HOUR, { template: 'enhanced' }, { sequence: 1n });
    const started = ev('vm.started', T0 + HOUR, {}, { sequence: 2n });
    const { intervals } = foldIntervals('vm', [started, resized, stopped, created]);
    expect(intervals).toEqual([
      {
        from: T0,
        to: T0 + HOUR,
        attributes: { template: 'normal', state: 'stopped' },
        openedBy: stopped.id,
        closedBy: started.id,
      },
      {
        from: T0 + HOUR,
        to: null,
        attributes: { template: 'enhanced', state: 'running' },
        openedBy: started.id,
        closedBy: null,
      },
    ]);
  });

  it('does not split when the events at one instant cancel out', () => {
    const created = ev('vm.created', T0, vmAttrs('normal', 'running'));
    const stopped = ev('vm.stopped', T0 + HOUR, {}, { sequence: 1n });
    const started = ev('vm.started', T0 + HOUR, {}, { sequence: 2n });
    expect(foldIntervals('vm', [created, stopped, started]).intervals).toHaveLength(1);
  });

  it('orders equal times by sequence, absent sequence first, then by id', () => {
    const created = ev('vm.created', T0, vmAttrs('normal', 'running'));
    const t = T0 + HOUR;
    const cases = [
      // [events at t, expected state]
      [
        [ev('vm.stopped', t, {}, { sequence: 2n }), ev('vm.suspended', t, {}, { sequence: 1n })],
        'stopped',
      ],
      [[ev('vm.stopped', t, {}, { sequence: 0n }), ev('vm.suspended', t)], 'stopped'],
      [[ev('vm.stopped', t, {}, { id: 'b' }), ev('vm.suspended', t, {}, { id: 'a' })], 'stopped'],
      [[ev('vm.stopped', t, {}, { id: 'a' }), ev('vm.suspended', t, {}, { id: 'b' })], 'suspended'],
    ] as const;
    for (const [events, expected] of cases) {
      const { intervals } = foldIntervals('vm', [...events, created]);
      expect(intervals[intervals.length - 1].attributes.state).toBe(expected);
    }
  });

  it('ends the resource at deletion and reports every later event as one non-blocking issue', () => {
    const created = ev('vm.created', T0, vmAttrs('normal', 'running'));
    const deleted = ev('vm.deleted', T0 + HOUR);
    const late1 = ev('vm.started', T0 + 2 * HOUR, { template: 'enhanced' });
    const late2 = ev('vm.resized', T0 + 3 * HOUR, { template: 'standard' });
    const late3 = ev('vm.deleted', T0 + 4 * HOUR);
    const { intervals, issues } = foldIntervals('vm', [late3, late1, created, deleted, late2]);
    expect(intervals).toEqual([
      {
        from: T0,
        to: T0 + HOUR,
        attributes: { template: 'normal', state: 'running' },
        openedBy: created.id,
        closedBy: deleted.id,
      },
    ]);
    expect(issues).toEqual([
      {
        from: T0 + 2 * HOUR,
        to: T0 + 4 * HOUR,
        reason: RatingIssueReason.EventAfterDeletion,
        message: expect.stringContaining(deleted.id),
        eventIds: [late1.id, late2.id, late3.id],
        blocking: false,
      },
    ]);
  });

  it('ignores events at the deletion instant sorted after it, and voids changes just before it', () => {
    const created = ev('vm.created', T0, vmAttrs('normal', 'running'));
    const stopped = ev('vm.stopped', T0 + HOUR, {}, { sequence: 1n });
    const deleted = ev('vm.deleted', T0 + HOUR, {}, { sequence: 2n });
    const late = ev('vm.started', T0 + HOUR, {}, { sequence: 3n });
    const { intervals, issues } = foldIntervals('vm', [late, deleted, stopped, created]);
    expect(intervals).toEqual([
      expect.objectContaining({ from: T0, to: T0 + HOUR, closedBy: deleted.id }),
    ]);
    expect(issues).toEqual([
      expect.objectContaining({
        reason: RatingIssueReason.EventAfterDeletion,
        from: T0 + HOUR,
        to: T0 + HOUR,
        eventIds: [late.id],
      }),
    ]);
  });

  it('reports a resource never fully described, from its first event to its deletion', () => {
    const started = ev('vm.started', T0);
    const migrated = ev('vm.migrated', T0 + HOUR);
    const deleted = ev('vm.deleted', T0 + 2 * HOUR);
    expect(foldIntervals('vm', [deleted, migrated, started])).toEqual({
      intervals: [],
      issues: [
        {
          from: T0,
          to: T0 + 2 * HOUR,
          reason: RatingIssueReason.IncompleteAttributes,
          message: expect.stringMatching(/missing template\b/),
          eventIds: [started.id, migrated.id, deleted.id],
          blocking: true,
        },
      ],
    });
  });

  it('reports a never fully described resource that is not deleted as open, naming all missing', () => {
    const updated = ev('vs.updated', T0 + HOUR, { template: 'normal' });
    const { intervals, issues } = foldIntervals('vs', [updated]);
    expect(intervals).toEqual([]);
    expect(issues).toEqual([
      expect.objectContaining({
        from: T0 + HOUR,
        to: null,
        reason: RatingIssueReason.IncompleteAttributes,
        message: expect.stringContaining('missing realServerCount'),
        blocking: true,
      }),
    ]);
    const bare = foldIntervals('image', [ev('image.deleted', T0)]).issues[0];
    expect(bare.message).toContain('missing sizeGb');
  });

  it('does not block finalization for a resource never described that covers no time (a lone deletion)', () => {
    const lone = foldIntervals('image', [ev('image.deleted', T0)]).issues;
    expect(lone).toEqual([
      expect.objectContaining({
        from: T0,
        to: T0,
        blocking: false,
        reason: RatingIssueReason.IncompleteAttributes,
      }),
    ]);
    // described only partly, at the same instant as its deletion: no time either
    const sameInstant = foldIntervals('vm', [
      ev('vm.started', T0),
      ev('vm.deleted', T0, {}, { sequence: 1n }),
    ]).issues;
    expect(sameInstant).toEqual([expect.objectContaining({ from: T0, to: T0, blocking: false })]);
  });

  it('folds vs.updated into template and realServerCount changes', () => {
    const created = ev('vs.created', T0, { template: 'normal', realServerCount: 2 });
    const updated = ev('vs.updated', T0 + HOUR, { realServerCount: 4 });
    const { intervals } = foldIntervals('vs', [updated, created]);
    expect(intervals.map((i) => i.attributes)).toEqual([
      { template: 'normal', realServerCount: 2 },
      { template: 'normal', realServerCount: 4 },
    ]);
  });

  it('returns nothing for no events', () => {
    expect(foldIntervals('image', [])).toEqual({ intervals: [], issues: [] });
  });

  it('throws on an event of another resource type (a programming error)', () => {
    expect(() => foldIntervals('vm', [ev('image.created', T0, { sizeGb: d('1') })])).toThrow(
      /not a vm event/,
    );
    expect(() => foldIntervals('vs', [ev('vsx.created', T0)])).toThrow();
  });
});
