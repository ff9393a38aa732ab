import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Decimal } from '../../src/rating/core/decimal';
import {
  RatingIssueReason,
  type RatedSegment,
  type UnratedSegment,
} from '../../src/rating/core/types';
import {
  RATED_INTERVAL_COLUMNS,
  segmentFromRow,
  type RatedIntervalRow,
} from '../../src/rating/rated-interval.mapper';
import { RatingRepository, type NewRating } from '../../src/rating/rating.repository';
import type { ResourceKey } from '../../src/events/resource-key';
import { cloudEvent } from '../factories/event.factory';
import { ADMIN_KEY, startTestApp, type TestApp } from '../support/test-app';

const BATCH = {
  authorization: `Bearer ${ADMIN_KEY}`,
  'content-type': 'application/cloudevents-batch+json',
};

/** 2026-10-01T00:00:00.001Z: instants at millisecond precision. */
const T0 = Date.UTC(2026, 9, 1, 0, 0, 0, 1);
const HOUR = 3_600_000;

/**
 * `writeRatings` sends a rating to PostgreSQL as JSON documents, instants as
 * epoch milliseconds: what is stored must be exactly what the core made
 * (every instant to the millisecond, every decimal digit for digit, no end as
 * NULL), and an instant JSON cannot carry must be refused, not stored as
 * "no end". ROLE=api: no rating runs behind the test's back.
 */
describe('writing a rating', () => {
  let t: TestApp;
  let ds: DataSource;
  const repo = new RatingRepository();
  const book = randomUUID();

  beforeAll(async () => {
    t = await startTestApp({ ROLE: 'api' });
    ds = t.app.get(DataSource);
    await t.http
      .post('/v1/events')
      .set(BATCH)
      .send([
        cloudEvent('vm.created', 'vm-w', '2026-10-01T00:00:00Z', {
          tenantId: 't-w',
          template: 'normal',
          state: 'running',
        }),
        cloudEvent('vs.created', 'vs-w', '2026-10-01T00:00:00Z', {
          tenantId: 't-w',
          template: 'standard',
          realServerCount: 3,
        }),
        cloudEvent('image.created', 'img-w', '2026-10-01T00:00:00Z', {
          tenantId: 't-w',
          sizeGb: '1234.567890123456789',
        }),
      ])
      .expect(202);
  });
  afterAll(async () => {
    await t.close();
  });

  const segment = (over: Partial<RatedSegment>): RatedSegment => ({
    from: T0,
    to: null,
    attributes: {},
    priceBookId: book,
    currency: 'EUR',
    weight: new Decimal('1.50'),
    pricePerHour: new Decimal('0.0100'),
    hourlyRate: new Decimal('0.015000'),
    openedBy: 'e-open',
    closedBy: null,
    ...over,
  });
  const rating = (
    key: ResourceKey,
    segments: RatedSegment[],
    issues: UnratedSegment[] = [],
    deletedAt: number | null = null,
  ): NewRating => ({
    key,
    tenantId: 't-w',
    result: { segments, issues },
    markIds: [],
    deletedAt,
    keepBefore: null,
    coversFrom: null,
  });
  const write = async (ratings: NewRating[]) => {
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await repo.writeRatings(runner.manager, ratings);
      await runner.commitTransaction();
    } catch (err) {
      await runner.rollbackTransaction();
      throw err;
    } finally {
      await runner.release();
    }
  };
  const stored = async (subject: string) =>
    (
      await t.db.query<RatedIntervalRow>(
        `SELECT ${RATED_INTERVAL_COLUMNS} FROM rated_intervals WHERE subject = $1 ORDER BY from_at`,
        [subject],
      )
    ).rows.map(segmentFromRow);
  /** Decimals as their strings, digit for digit. */
  const plain = (segments: RatedSegment[]) =>
    segments.map((s) => ({
      ...s,
      attributes: { ...s.attributes, sizeGb: s.attributes.sizeGb?.toString() },
      weight: s.weight.toString(),
      pricePerHour: s.pricePerHour.toString(),
      hourlyRate: s.hourlyRate.toString(),
    }));

  it('stores every segment, issue and deletion exactly as the core made them', async () => {
    const vm = [
      segment({
        from: T0,
        to: T0 + HOUR + 998,
        attributes: { template: 'normal', state: 'running' },
        closedBy: 'e-stop',
      }),
      segment({
        from: T0 + HOUR + 998,
        to: T0 + 2 * HOUR,
        attributes: { template: 'normal', state: 'stopped' },
        weight: new Decimal('0'),
        hourlyRate: new Decimal('0.000000'),
        openedBy: 'e-stop',
        closedBy: 'e-del',
      }),
    ];
    const vs = [segment({ attributes: { template: 'standard', realServerCount: 3 } })];
    const image = [
      segment({
        // more digits than a double holds: sent as text, never as a JS number
        attributes: { sizeGb: new Decimal('1234.567890123456789') },
        weight: new Decimal('1234.567890123456789'),
        hourlyRate: new Decimal('12.34567890123456789'),
      }),
    ];
    const issue: UnratedSegment = {
      from: T0 + 2 * HOUR,
      to: null,
      reason: RatingIssueReason.UnknownTemplate,
      message: 'template "gold" is not in price book x',
      eventIds: ['e-a', 'e-"b"'],
      blocking: true,
    };
    await write([
      rating({ resourceType: 'vm', subject: 'vm-w' }, vm, [issue], T0 + 2 * HOUR),
      rating({ resourceType: 'vs', subject: 'vs-w' }, vs),
      rating({ resourceType: 'image', subject: 'img-w' }, image),
    ]);

    expect(plain(await stored('vm-w'))).toEqual(plain(vm));
    expect(plain(await stored('vs-w'))).toEqual(plain(vs));
    expect(plain(await stored('img-w'))).toEqual(plain(image));
    const issues = await t.db.query(
      `SELECT from_at, to_at, reason, message, event_ids, blocking FROM rating_issues WHERE subject = 'vm-w'`,
    );
    expect(issues.rows).toEqual([
      {
        from_at: new Date(issue.from),
        to_at: null,
        reason: issue.reason,
        message: issue.message,
        event_ids: issue.eventIds,
        blocking: true,
      },
    ]);
    const resources = await t.db.query(
      `SELECT subject, deleted_at, rated_seq FROM resources WHERE tenant_id = 't-w' ORDER BY subject`,
    );
    expect(resources.rows).toEqual([
      { subject: 'img-w', deleted_at: null, rated_seq: expect.anything() },
      { subject: 'vm-w', deleted_at: new Date(T0 + 2 * HOUR), rated_seq: expect.anything() },
      { subject: 'vs-w', deleted_at: null, rated_seq: expect.anything() },
    ]);
  });

  it.each([
    ['an infinite end', { to: Infinity }],
    ['a fractional start', { from: T0 + 0.5 }],
  ])('refuses %s and writes nothing', async (_what, over) => {
    const before = await stored('vs-w');
    const seqBefore = await t.db.query(`SELECT rated_seq FROM resources WHERE subject = 'vs-w'`);
    await expect(
      write([
        rating({ resourceType: 'vs', subject: 'vs-w' }, [
          segment({ attributes: { template: 'standard', realServerCount: 4 }, ...over }),
        ]),
      ]),
    ).rejects.toThrow(RangeError);
    expect(await stored('vs-w')).toEqual(before);
    expect(
      (await t.db.query(`SELECT rated_seq FROM resources WHERE subject = 'vs-w'`)).rows,
    ).toEqual(seqBefore.rows);
  });
});
