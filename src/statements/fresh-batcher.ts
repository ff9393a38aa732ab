/**
 * Batches reads that must be fresh: every `read(key)` is answered by a call
 * of `load` that STARTS after `read` was called — never by one already in
 * flight, which may have looked before a change the caller must see. One
 * load runs at a time; the reads that arrive meanwhile wait for it and then
 * share the next one. Alone, a read costs one load and no waiting; under
 * load, N concurrent reads cost about N ÷ (reads per load time) loads.
 * No I/O of its own.
 */
export class FreshBatcher<K, V> {
  private pending: { key: K; resolve(v: V): void; reject(e: unknown): void }[] = [];
  private running = false;

  /** `load(keys)` answers one value per key, in order. */
  constructor(private readonly load: (keys: K[]) => Promise<V[]>) {}

  read(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          const values = await this.load(batch.map((b) => b.key));
          if (values.length !== batch.length)
            throw new Error(`load answered ${values.length} values for ${batch.length} keys`);
          batch.forEach((b, i) => b.resolve(values[i]));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
