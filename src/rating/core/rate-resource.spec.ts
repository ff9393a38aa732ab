import fc from 'fast-check';
import { Decimal } from './decimal';
import { lineAmount } from './money';
import { piecesInPeriod } from './periods';
import { bookInForce } from './price-book-selection';
import { rateResource, rateResourceSince } from './rate-resource';
import { at, book, d, DAY, ev, HOUR, OCT_2026, vmAttrs } from './test-fixtures';
import type { PriceBook, RatingEvent, RatingResult, ResourceType, VmState } from './types';
import { RatingIssueReason } from './types';

const g1 = book({ id: 'g1' });
const ASOF = at('2026-11-03T00:00:00Z');

/** The October 2026 line of a result (asOf 2026-11-03), as strings. */
function october(result: RatingResult): { hours: string; exact: string; amount: string } {
  const line = lineAmount(piecesInPeriod(result.segments, '2026-10', ASOF), 'USD');
  return {
    hours: line.hours.toString(),
    exact: line.exact.toString(),
    amount: line.amount.toString(),
  };
}

function rate(
  resourceType: ResourceType,
  events: RatingEvent[],
  books: PriceBook[] = [g1],
  tenantId = 't-1',
): RatingResult {
  return rateResource({ resourceType, tenantId, events, books });
}

describe(rateResource.name, () => {
  it('bills the CONTRACT example: a standard VM running all October at 0.02 × 2 → 29.76', () => {
    const created = ev('vm.created', OCT_2026, vmAttrs('standard', 'running'));
    const result = rate('vm', [created]);
    expect(result.issues).toEqual([]);
    expect(result.segments).toEqual([
      {
        from: OCT_2026,
        to: null,
        attributes: { template: 'standard', state: 'running' },
        priceBookId: 'g1',
        currency: 'USD',
        weight: d('2'),
        pricePerHour: d('0.02'),
        hourlyRate: d('0.04'),
        openedBy: created.id,
        closedBy: null,
      },
    ]);
    expect(october(result)).toEqual({ hours: '744', exact: '29.76', amount: '29.76' });
  });

  it('bills a VM resized mid-month: 360 h × 0.04 + 384 h × 0.08 = 45.12', () => {
    const events = [
      ev('vm.resized', at('2026-10-16T00:00:00Z'), { template: 'enhanced' }),
      ev('vm.created', OCT_2026, vmAttrs('standard', 'running')),
    ];
    const result = rate('vm', events);
    expect(result.segments.map((s) => s.hourlyRate.toString())).toEqual(['0.04', '0.08']);
    expect(october(result)).toEqual({ hours: '744', exact: '45.12', amount: '45.12' });
  });

  it('bills a VM suspended mid-month: 240 h × 0.04 + 504 h × 0.012 = 15.648 → 15.65', () => {
    const events = [
      ev('vm.suspended', at('2026-10-11T00:00:00Z')),
      ev('vm.created', OCT_2026, vmAttrs('standard', 'running')),
    ];
    const result = rate('vm', events);
    expect(result.segments.map((s) => [s.weight.toString(), s.hourlyRate.toString()])).toEqual([
      ['2', '0.04'],
      ['0.6', '0.012'],
    ]);
    expect(october(result)).toEqual({ hours: '744', exact: '15.648', amount: '15.65' });
  });

  it('bills a VS whose real servers change by vs.updated: 480 h × 0.045 + 264 h × 0.06 = 37.44', () => {
    const events = [
      ev('vs.updated', at('2026-10-21T00:00:00Z'), { realServerCount: 4 }),
      ev('vs.created', OCT_2026, { template: 'normal', realServerCount: 2 }),
    ];
    const result = rate('vs', events);
    expect(result.segments.map((s) => [s.weight.toString(), s.hourlyRate.toString()])).toEqual([
      ['1.5', '0.045'],
      ['2', '0.06'],
    ]);
    expect(october(result)).toEqual({ hours: '744', exact: '37.44', amount: '37.44' });
  });

  const volumeBook = book({ id: 'gv', image: { ...g1.image, tierMode: 'volume' } });
  it.each([
    // size, mode book, hourly price, October exact, amount
    ['1500', g1, '0.107', '79.608', '79.61'], // 100×0.0001 + 900×0.00008 + 500×0.00005
    ['1500', volumeBook, '0.075', '55.8', '55.8'], // 1500 × 0.00005
    ['1000', g1, '0.082', '61.008', '61.01'], // on a bound: 0.01 + 900 × 0.00008
    ['1000', volumeBook, '0.08', '59.52', '59.52'], // on a bound: lower tier, 1000 × 0.00008
    ['100', volumeBook, '0.01', '7.44', '7.44'],
  ])('bills an image of %s GB (%p) at %s per hour', (size, b, price, exact, amount) => {
    const result = rate('image', [ev('image.created', OCT_2026, { sizeGb: d(size) })], [b]);
    expect(result.segments[0].pricePerHour.toString()).toBe(price);
    expect(result.segments[0].weight.toString()).toBe('1');
    expect(october(result)).toMatchObject({ exact, amount });
  });

  it('bills an image whose size grows across tier bounds (graduated and volume)', () => {
    // 50 GB for 10 days, then 150 GB for 10 days, then 1500 GB to the end (264 h)
    const events = [
      ev('image.created', OCT_2026, { sizeGb: d('50') }),
      ev('image.created', at('2026-10-11T00:00:00Z'), { sizeGb: d('150') }),
      ev('image.created', at('2026-10-21T00:00:00Z'), { sizeGb: d('1500') }),
    ];
    // graduated: 240 × 0.005 + 240 × 0.014 + 264 × 0.107 = 1.2 + 3.36 + 28.248
    expect(october(rate('image', events, [g1]))).toMatchObject({
      exact: '32.808',
      amount: '32.81',
    });
    // volume: 240 × 0.005 + 240 × 0.012 + 264 × 0.075 = 1.2 + 2.88 + 19.8
    expect(october(rate('image', events, [volumeBook]))).toMatchObject({
      exact: '23.88',
      amount: '23.88',
    });
  });

  it('splits an interval at a new price-book version: 360 h × 0.04 + 384 h × 0.06 = 37.44', () => {
    const g2 = book({ id: 'g2', effectiveFrom: at('2026-10-16T00:00:00Z') });
    g2.vm = { ...g2.vm, pricePerHour: d('0.03') };
    const created = ev('vm.created', OCT_2026, vmAttrs('standard', 'running'));
    const result = rate('vm', [created], [g2, g1]);
    expect(
      result.segments.map((s) => [s.from, s.to, s.priceBookId, s.openedBy, s.closedBy]),
    ).toEqual([
      [OCT_2026, g2.effectiveFrom, 'g1', created.id, null],
      [g2.effectiveFrom, null, 'g2', created.id, null],
    ]);
    expect(october(result)).toEqual({ hours: '744', exact: '37.44', amount: '37.44' });
  });

  it('does not merge equal-priced pieces across attribute intervals', () => {
    const b = book({ id: 'g1' });
    b.vm.templateWeights = { ...b.vm.templateWeights, basic: d('1') };
    const created = ev('vm.created', OCT_2026, vmAttrs('normal', 'running'));
    const resized = ev('vm.resized', OCT_2026 + DAY, { template: 'basic' });
    const result = rate('vm', [resized, created], [b]);
    expect(result.segments.map((s) => [s.hourlyRate.toString(), s.openedBy, s.closedBy])).toEqual([
      ['0.02', created.id, resized.id],
      ['0.02', resized.id, null],
    ]);
  });

  it('orders events arriving out of order, equal times by sequence (absent first), then id', () => {
    const t = at('2026-10-11T00:00:00Z');
    const events = [
      ev('vm.stopped', t, {}, { sequence: 5n }), // last at t: wins
      ev('vm.suspended', t, {}, { sequence: 1n }),
      ev('vm.resumed', t, {}, { id: 'zz' }), // absent sequence: first at t
      ev('vm.created', OCT_2026, vmAttrs('standard', 'running')),
    ];
    const result = rate('vm', events);
    expect(result.segments.map((s) => s.attributes.state)).toEqual(['running', 'stopped']);
    // 240 h × 0.04 + 504 h × 0.004 = 9.6 + 2.016
    expect(october(result)).toMatchObject({ exact: '11.616', amount: '11.62' });
  });

  it('ignores and reports events after deletion; the usage ends at the deletion', () => {
    const deleted = ev('vm.deleted', at('2026-10-02T00:00:00Z'));
    const late = ev('vm.started', at('2026-10-05T00:00:00Z'), { template: 'enhanced' });
    const created = ev('vm.created', OCT_2026, vmAttrs('standard', 'running'));
    const result = rate('vm', [late, deleted, created]);
    expect(result.segments).toHaveLength(1);
    expect(result.segments[0]).toMatchObject({ to: deleted.time, closedBy: deleted.id });
    expect(result.issues).toEqual([
      {
        from: late.time,
        to: late.time,
        reason: RatingIssueReason.EventAfterDeletion,
        message: expect.stringContaining(deleted.id),
        eventIds: [late.id],
        blocking: false,
      },
    ]);
    expect(october(result)).toMatchObject({ hours: '24', exact: '0.96' });
  });

  it('reports a template missing from the book in force as blocking unrated usage', () => {
    const created = ev('vm.created', OCT_2026, vmAttrs('huge', 'running'));
    const deleted = ev('vm.deleted', OCT_2026 + 5 * HOUR);
    expect(rate('vm', [created, deleted])).toEqual({
      segments: [],
      issues: [
        {
          from: OCT_2026,
          to: OCT_2026 + 5 * HOUR,
          reason: RatingIssueReason.UnknownTemplate,
          message: 'vm template "huge" is not in price book g1',
          eventIds: [created.id],
          blocking: true,
        },
      ],
    });
  });

  it('reports a state missing only from a newer version over that version only', () => {
    const g2 = book({ id: 'g2', effectiveFrom: at('2026-10-16T00:00:00Z') });
    g2.vm = { ...g2.vm, stateWeights: { running: d('1') } };
    const stopped = ev('vm.created', OCT_2026, vmAttrs('normal', 'stopped'));
    const result = rate('vm', [stopped], [g1, g2]);
    expect(result.segments.map((s) => [s.from, s.to, s.priceBookId])).toEqual([
      [OCT_2026, g2.effectiveFrom, 'g1'],
    ]);
    expect(result.issues).toEqual([
      {
        from: g2.effectiveFrom,
        to: null,
        reason: RatingIssueReason.UnknownState,
        message: 'vm state "stopped" is not in price book g2',
        eventIds: [stopped.id],
        blocking: true,
      },
    ]);
  });

  it('reports usage before any price book as no_price_book, naming the tenant', () => {
    const created = ev('vm.created', at('2025-12-15T00:00:00Z'), vmAttrs('normal', 'running'));
    const result = rate('vm', [created], [g1], 'acme');
    expect(result.issues).toEqual([
      {
        from: created.time,
        to: g1.effectiveFrom,
        reason: RatingIssueReason.NoPriceBook,
        message: expect.stringContaining('acme'),
        eventIds: [created.id],
        blocking: true,
      },
    ]);
    expect(result.segments.map((s) => [s.from, s.to])).toEqual([[g1.effectiveFrom, null]]);
    expect(rate('vm', [created], []).issues.map((i) => [i.reason, i.to])).toEqual([
      [RatingIssueReason.NoPriceBook, null],
    ]);
  });

  it("uses the tenant's own book once one is in force, the global one before and for others", () => {
    const acme = book({
      id: 'acme-1',
      tenantId: 'acme',
      effectiveFrom: at('2026-10-16T00:00:00Z'),
    });
    acme.vm = { ...acme.vm, pricePerHour: d('0.01') };
    const other = book({ id: 'other-1', tenantId: 'other', effectiveFrom: OCT_2026 });
    other.vm = { ...other.vm, pricePerHour: d('1') };
    const books = [acme, other, g1];
    const created = ev('vm.created', OCT_2026, vmAttrs('standard', 'running'));
    const forAcme = rate('vm', [created], books, 'acme');
    expect(forAcme.segments.map((s) => s.priceBookId)).toEqual(['g1', 'acme-1']);
    // 360 h × 0.04 + 384 h × 0.02 = 14.4 + 7.68
    expect(october(forAcme)).toMatchObject({ exact: '22.08', amount: '22.08' });
    const forBeta = rate('vm', [created], books, 'beta');
    expect(forBeta.segments.map((s) => s.priceBookId)).toEqual(['g1']);
    expect(october(forBeta)).toMatchObject({ exact: '29.76' });
  });

  it('reports a never fully described resource and bills nothing', () => {
    const started = ev('vm.started', OCT_2026);
    const result = rate('vm', [started]);
    expect(result.segments).toEqual([]);
    expect(result.issues.map((i) => [i.reason, i.blocking, i.to])).toEqual([
      [RatingIssueReason.IncompleteAttributes, true, null],
    ]);
  });
});

// ---- properties -----------------------------------------------------------

const T0 = OCT_2026;
const SPAN = 75 * DAY;
const PROPERTY_ASOF = T0 + 120 * DAY;

const vmEventArb = fc.record({
  type: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        'vm.started',
        'vm.stopped',
        'vm.suspended',
        'vm.resumed',
        'vm.resized',
        'vm.migrated',
      ),
    },
    { weight: 1, arbitrary: fc.constant('vm.deleted') },
  ),
  offset: fc.integer({ min: 0, max: SPAN }),
  coarse: fc.boolean(),
  sequence: fc.option(fc.bigInt({ min: 0n, max: 3n }), { nil: null }),
  template: fc.option(fc.constantFrom('normal', 'standard', 'enhanced', 'huge'), {
    nil: undefined,
  }),
  state: fc.option(fc.constantFrom<VmState>('running', 'suspended', 'stopped'), {
    nil: undefined,
  }),
});

/** A VM's events: a creation (or not) and up to 10 more, times often colliding. */
const vmEventsArb = fc
  .tuple(fc.boolean(), fc.array(vmEventArb, { maxLength: 10 }))
  .map(([withCreated, raw]) => {
    const events: RatingEvent[] = raw.map((r, i) => ({
      source: '//cp',
      id: `p${i}`,
      type: r.type,
      // coarse offsets (whole days) make equal times common
      time: T0 + (r.coarse ? Math.floor(r.offset / DAY) * DAY : r.offset),
      sequence: r.sequence,
      attributes: {
        ...(r.template === undefined ? {} : { template: r.template }),
        ...(r.state === undefined ? {} : { state: r.state }),
      },
    }));
    if (withCreated) {
      events.push({
        source: '//cp',
        id: 'c',
        type: 'vm.created',
        time: T0,
        sequence: null,
        attributes: { template: 'standard', state: 'running' },
      });
    }
    return events;
  });

const priceArb = fc.constantFrom('0.02', '0.013', '0.5', '0.00007');

/**
 * Usually a global base version before T0, then global and tenant versions
 * with varied prices; some lack the `stopped` state.
 */
const booksArb = fc
  .tuple(
    fc.integer({ min: 0, max: 5 }),
    fc.array(
      fc.record({
        tenant: fc.constantFrom<string | null>(null, 't-1', 'other'),
        offset: fc.integer({ min: -10 * DAY, max: SPAN }),
        price: priceArb,
        dropStopped: fc.boolean(),
      }),
      { maxLength: 5 },
    ),
  )
  .map(([base, specs]) => [
    ...(base === 0 ? [] : [book({ id: 'b-base', effectiveFrom: T0 - 30 * DAY })]),
    ...specs.map((s, i) => {
      const b = book({ id: `b${i}`, tenantId: s.tenant, effectiveFrom: T0 + s.offset });
      const stateWeights = s.dropStopped
        ? { running: d('1'), suspended: d('0.3') }
        : b.vm.stateWeights;
      b.vm = { ...b.vm, pricePerHour: d(s.price), stateWeights };
      return b;
    }),
  ]);

/** Σ hourlyRate × ms up to asOf: the exact money-milliseconds of a result. */
function totalMoneyMs(result: RatingResult): Decimal {
  return result.segments.reduce(
    (sum, s) =>
      sum.plus(s.hourlyRate.times(Math.min(s.to ?? PROPERTY_ASOF, PROPERTY_ASOF) - s.from)),
    new Decimal(0),
  );
}

describe(`${rateResource.name} (properties)`, () => {
  it('gives a deep-equal result for any arrival order of events and books', () => {
    fc.assert(
      fc.property(
        vmEventsArb.chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
        ),
        booksArb.chain((books) =>
          fc.tuple(fc.constant(books), fc.shuffledSubarray(books, { minLength: books.length })),
        ),
        ([events, shuffledEvents], [books, shuffledBooks]) => {
          expect(rate('vm', shuffledEvents, shuffledBooks)).toEqual(rate('vm', events, books));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never changes the segments or the exact amount when a no-op vm.migrated is inserted', () => {
    fc.assert(
      fc.property(
        vmEventsArb,
        booksArb,
        fc.integer({ min: 0, max: SPAN }),
        fc.option(fc.bigInt({ min: 0n, max: 3n }), { nil: null }),
        (events, books, offset, sequence) => {
          const migrated: RatingEvent = {
            source: '//cp',
            id: 'migrated',
            type: 'vm.migrated',
            time: T0 + offset,
            sequence,
            attributes: {},
          };
          const before = rate('vm', events, books);
          const after = rate('vm', [...events, migrated], books);
          expect(after.segments).toEqual(before.segments);
          expect(totalMoneyMs(after).equals(totalMoneyMs(before))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never changes the exact amount when an identical price-book version splits the timeline', () => {
    fc.assert(
      fc.property(
        vmEventsArb,
        booksArb,
        fc.integer({ min: 1, max: SPAN }),
        (events, books, offset) => {
          const t = T0 + offset;
          const inForce = bookInForce(books, 't-1', t);
          fc.pre(inForce !== null);
          const copy: PriceBook = { ...inForce, id: 'zz-copy', effectiveFrom: t };
          const before = rate('vm', events, books);
          const after = rate('vm', events, [...books, copy]);
          expect(totalMoneyMs(after).equals(totalMoneyMs(before))).toBe(true);
          expect(after.segments.length).toBeGreaterThanOrEqual(before.segments.length);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps segments sorted, non-overlapping and within the fold (property)', () => {
    fc.assert(
      fc.property(vmEventsArb, booksArb, (events, books) => {
        const { segments } = rate('vm', events, books);
        for (let i = 1; i < segments.length; i++) {
          expect(segments[i - 1].to).not.toBeNull();
          expect(segments[i - 1].to!).toBeLessThanOrEqual(segments[i].from);
        }
        for (const s of segments) {
          expect(s.hourlyRate.equals(s.weight.times(s.pricePerHour))).toBe(true);
          if (s.to !== null) expect(s.to).toBeGreaterThan(s.from);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe(`${rateResourceSince.name} (properties)`, () => {
  /** Events and books that arrive after a rating: all at or after `cut`, with ids of their own. */
  const later = (events: RatingEvent[], books: PriceBook[], cut: number) => ({
    events: events.map((e) => ({ ...e, id: `n-${e.id}`, time: cut + (e.time - T0) })),
    books: books.map((b) => ({
      ...b,
      id: `n-${b.id}`,
      effectiveFrom: Math.max(cut, b.effectiveFrom),
    })),
  });

  /** A previous rating's events and books, those added since, and the cut (an offset from T0). */
  const previousAddedAndCut = [
    vmEventsArb,
    booksArb,
    vmEventsArb,
    booksArb,
    fc.integer({ min: 0, max: SPAN }),
  ] as const;

  it('leaves every segment before unchangedBefore as the previous rating had it', () => {
    fc.assert(
      fc.property(...previousAddedAndCut, (oldEvents, oldBooks, newEvents, newBooks, offset) => {
        const cut = T0 + offset;
        const added = later(newEvents, newBooks, cut);
        const previous = rate('vm', oldEvents, oldBooks);
        const next = rateResourceSince(
          {
            resourceType: 'vm',
            tenantId: 't-1',
            events: [...oldEvents, ...added.events],
            books: [...oldBooks, ...added.books],
          },
          cut,
        );
        const { unchangedBefore } = next;
        expect(unchangedBefore).toBeLessThanOrEqual(cut);
        expect(next.segments.filter((x) => x.from < unchangedBefore)).toEqual(
          previous.segments.filter((x) => x.from < unchangedBefore),
        );
        // what a writer stores: the kept rows, then the new ones from unchangedBefore on
        const stored = [
          ...previous.segments.filter((x) => x.from < unchangedBefore),
          ...next.segments.filter((x) => x.from >= unchangedBefore),
        ];
        expect(stored).toEqual(next.segments);
        // and the result itself is rateResource's
        expect({ segments: next.segments, issues: next.issues }).toEqual(
          rate('vm', [...oldEvents, ...added.events], [...oldBooks, ...added.books]),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('resumed from a stored segment that is not at a book boundary, equals the full rating from there on', () => {
    fc.assert(
      fc.property(
        ...previousAddedAndCut,
        fc.nat(),
        (oldEvents, oldBooks, newEvents, newBooks, offset, pick) => {
          const cut = T0 + offset;
          const added = later(newEvents, newBooks, cut);
          const previous = rate('vm', oldEvents, oldBooks);
          // the seeds a reader may take: a stored segment before cut that does
          // not start at a version's effectiveFrom (so its interval starts there)
          const boundaries = new Set(oldBooks.map((b) => b.effectiveFrom));
          const seeds = previous.segments.filter((x) => x.from < cut && !boundaries.has(x.from));
          fc.pre(seeds.length > 0);
          const s = seeds[pick % seeds.length];
          const seed = { from: s.from, attributes: s.attributes, openedBy: s.openedBy };
          const events = [...oldEvents, ...added.events];
          const books = [...oldBooks, ...added.books];
          const input = { resourceType: 'vm' as const, tenantId: 't-1', books };
          const full = rateResourceSince({ ...input, events }, cut);
          const resumed = rateResourceSince(
            { ...input, events: events.filter((e) => e.time > seed.from) },
            cut,
            seed,
          );
          expect(full.coversFrom).toBeNull();
          expect(resumed.coversFrom).toBe(seed.from);
          expect(resumed.unchangedBefore).toBe(full.unchangedBefore);
          expect(resumed.segments).toEqual(full.segments.filter((x) => x.from >= seed.from));
          expect(resumed.issues).toEqual(full.issues.filter((x) => x.from >= seed.from));
          // what a writer stores: the previous rating's segments before
          // unchangedBefore and issues before coversFrom, then the new ones
          expect([
            ...previous.segments.filter((x) => x.from < resumed.unchangedBefore),
            ...resumed.segments.filter((x) => x.from >= resumed.unchangedBefore),
          ]).toEqual(full.segments);
          expect([...previous.issues.filter((x) => x.from < seed.from), ...resumed.issues]).toEqual(
            full.issues,
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('resumed from a piece that starts at a book boundary inside its interval, would keep a stale closedBy', () => {
    // created at T0 under g1; a version from T0 + 1 day splits the interval
    // into two pieces. A deletion arrives later: both pieces get its closedBy.
    const created = ev('vm.created', OCT_2026, vmAttrs('standard', 'running'));
    const split: PriceBook = { ...g1, id: 'g-split', effectiveFrom: OCT_2026 + DAY };
    const previous = rate('vm', [created], [g1, split]);
    const deleted = ev('vm.deleted', OCT_2026 + 2 * DAY, {}, { id: 'del' });
    const full = rate('vm', [created, deleted], [g1, split]);
    expect(full.segments.map((x) => [x.from, x.closedBy])).toEqual([
      [OCT_2026, 'del'],
      [OCT_2026 + DAY, 'del'],
    ]);
    // resuming at the second piece rewrites only from there on: the first
    // piece would keep closedBy null, so readers never seed at a boundary
    const piece = previous.segments[1];
    const resumed = rateResourceSince(
      { resourceType: 'vm', tenantId: 't-1', events: [deleted], books: [g1, split] },
      deleted.time,
      { from: piece.from, attributes: piece.attributes, openedBy: piece.openedBy },
    );
    const stored = [
      ...previous.segments.filter((x) => x.from < resumed.unchangedBefore),
      ...resumed.segments.filter((x) => x.from >= resumed.unchangedBefore),
    ];
    expect(stored.map((x) => [x.from, x.closedBy])).toEqual([
      [OCT_2026, null],
      [OCT_2026 + DAY, 'del'],
    ]);
    expect(stored).not.toEqual(full.segments);
  });

  it('refuses a seed at or after the cut, and events not after the seed', () => {
    const created = ev('vm.created', OCT_2026, vmAttrs('standard', 'running'));
    const seed = {
      from: OCT_2026,
      attributes: vmAttrs('standard', 'running'),
      openedBy: created.id,
    };
    const input = { resourceType: 'vm' as const, tenantId: 't-1', books: [g1] };
    expect(() => rateResourceSince({ ...input, events: [] }, OCT_2026, seed)).toThrow(
      /before the cut/,
    );
    expect(() => rateResourceSince({ ...input, events: [created] }, OCT_2026 + DAY, seed)).toThrow(
      /not after the seed/,
    );
    expect(
      rateResourceSince({ ...input, events: [] }, OCT_2026 + DAY, seed).segments.map((x) => [
        x.from,
        x.to,
        x.openedBy,
      ]),
    ).toEqual([[OCT_2026, null, created.id]]);
  });

  it('is cut itself when nothing is in force at cut, and a start before cut when something is', () => {
    const created = ev('vm.created', OCT_2026, vmAttrs('standard', 'running'));
    const cut = OCT_2026 + 5 * DAY;
    expect(
      rateResourceSince(
        { resourceType: 'vm', tenantId: 't-1', events: [created], books: [g1] },
        cut,
      ).unchangedBefore,
    ).toBe(OCT_2026);
    const deleted = ev('vm.deleted', OCT_2026 + DAY);
    expect(
      rateResourceSince(
        { resourceType: 'vm', tenantId: 't-1', events: [created, deleted], books: [g1] },
        cut,
      ).unchangedBefore,
    ).toBe(cut);
  });
});
