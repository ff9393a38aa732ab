import fc from 'fast-check';
import { FreshBatcher } from './fresh-batcher';

/** A load whose calls the test resolves by hand, recording when each started. */
function manualLoad() {
  const calls: { keys: number[]; startedAt: number; finish(): void; fail(e: Error): void }[] = [];
  let clock = 0;
  const load = (keys: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      const startedAt = clock++;
      calls.push({
        keys,
        startedAt,
        finish: () => resolve(keys.map((k) => `${k}@${startedAt}`)),
        fail: reject,
      });
    });
  return { calls, load, tick: () => clock++ };
}

const settle = () => new Promise((r) => setImmediate(r));

describe(FreshBatcher.name, () => {
  it('loads a lone read at once', async () => {
    const m = manualLoad();
    const b = new FreshBatcher(m.load);
    const r = b.read(7);
    expect(m.calls.map((c) => c.keys)).toEqual([[7]]);
    m.calls[0].finish();
    await expect(r).resolves.toBe('7@0');
  });

  it('never answers a read with a load that started before it; later reads share the next load', async () => {
    const m = manualLoad();
    const b = new FreshBatcher(m.load);
    const first = b.read(1);
    const second = b.read(2); // arrives while the first load is in flight
    const third = b.read(3);
    expect(m.calls).toHaveLength(1);
    m.calls[0].finish();
    await expect(first).resolves.toBe('1@0');
    await settle();
    expect(m.calls.map((c) => c.keys)).toEqual([[1], [2, 3]]);
    m.calls[1].finish();
    await expect(second).resolves.toBe('2@1');
    await expect(third).resolves.toBe('3@1');
  });

  it('rejects the reads of a failed load only, and goes on', async () => {
    const m = manualLoad();
    const b = new FreshBatcher(m.load);
    const first = b.read(1);
    const second = b.read(2);
    m.calls[0].fail(new Error('db down'));
    await expect(first).rejects.toThrow('db down');
    await settle();
    m.calls[1].finish();
    await expect(second).resolves.toBe('2@1');
    const third = b.read(3);
    m.calls[2].finish();
    await expect(third).resolves.toBe('3@2');
  });

  it('rejects when a load answers the wrong number of values', async () => {
    const b = new FreshBatcher(async () => ['only one', 'and another']);
    await expect(b.read(1)).rejects.toThrow('2 values for 1 keys');
  });

  it('runs up to maxInFlight loads at once; later reads wait and share the next one', async () => {
    const m = manualLoad();
    const b = new FreshBatcher(m.load, 2);
    const first = b.read(1);
    const second = b.read(2); // a second load starts at once
    const third = b.read(3); // two are running: waits
    const fourth = b.read(4);
    expect(m.calls.map((c) => c.keys)).toEqual([[1], [2]]);
    m.calls[1].finish();
    await expect(second).resolves.toBe('2@1');
    await settle();
    expect(m.calls.map((c) => c.keys)).toEqual([[1], [2], [3, 4]]);
    m.calls[0].finish();
    m.calls[2].finish();
    await expect(first).resolves.toBe('1@0');
    await expect(third).resolves.toBe('3@2');
    await expect(fourth).resolves.toBe('4@2');
  });

  it('refuses a maxInFlight below 1', () => {
    expect(() => new FreshBatcher(async () => [], 0)).toThrow(RangeError);
  });

  it('answers every read, in its own slot, from a load started after the read (any interleaving, any limit)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.oneof(fc.constant('read' as const), fc.nat(5)), {
          minLength: 1,
          maxLength: 40,
        }),
        async (maxInFlight, steps) => {
          const m = manualLoad();
          const b = new FreshBatcher(m.load, maxInFlight);
          const reads: { key: number; at: number; answer: Promise<string> }[] = [];
          const open = new Set<number>();
          let peak = 0;
          const track = () => {
            for (let i = 0; i < m.calls.length; i++) if (!done.has(i)) open.add(i);
            peak = Math.max(peak, open.size);
          };
          const done = new Set<number>();
          const finish = (i: number) => {
            m.calls[i].finish();
            done.add(i);
            open.delete(i);
          };
          for (const [i, step] of steps.entries()) {
            if (step === 'read') reads.push({ key: i, at: m.tick(), answer: b.read(i) });
            else {
              // finish any running load, in any order
              const running = [...open];
              if (running.length > 0) finish(running[step % running.length]);
            }
            track();
            await settle();
            track();
          }
          while (open.size > 0 || reads.length > m.calls.flatMap((c) => c.keys).length) {
            if (open.size > 0) finish([...open][0]);
            await settle();
            track();
          }
          for (const r of reads) {
            const [key, startedAt] = (await r.answer).split('@').map(Number);
            expect(key).toBe(r.key);
            expect(startedAt).toBeGreaterThan(r.at);
          }
          expect(peak).toBeLessThanOrEqual(maxInFlight);
          expect(m.calls.every((c) => c.keys.length > 0)).toBe(true);
        },
      ),
    );
  });
});
