/**
 * Batches reads that must be fresh: every `read(key)` is answered by a call
 * of `load` that STARTS after `read` was called — never by one already in
 * flight, which may have looked before a change the caller must see. Up to
 * `maxInFlight` loads run at once; a read that arrives while that many are
 * running waits for one of them to finish and then shares the next load
 * with every read that arrived meanwhile. Alone, a read costs one load and
 * no waiting; under load, N concurrent reads cost about N ÷ (reads per load
 * time) loads, and a read waits for at most one load before its own. No I/O
 * of its own.
 */
export class FreshBatcher<K, V> {
  private pending: { key: K; resolve(v: V): void; reject(e: unknown): void }[] = [];
  private running = 0;

  /** `load(keys)` answers one value per key, in order. */
  constructor(
    private readonly load: (keys: K[]) => Promise<V[]>,
    private readonly maxInFlight = 1,
  ) {
    if (!(Number.isInteger(maxInFlight) && maxInFlight >= 1))
      throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
  }

  read(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      if (this.running < this.maxInFlight) void this.next();
    });
  }

  private async next(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.running++;
    try {
      const values = await this.load(batch.map((b) => b.key));
      if (values.length !== batch.length)
        throw new Error(`load answered ${values.length} values for ${batch.length} keys`);
      batch.forEach((b, i) => b.resolve(values[i]));
    } catch (err) {
      for (const b of batch) b.reject(err);
    } finally {
      this.running--;
    }
    if (this.pending.length > 0 && this.running < this.maxInFlight) void this.next();
  }
}
