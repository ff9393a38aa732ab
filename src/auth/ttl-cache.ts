/**
 * A small bounded map whose entries expire at a given instant (milliseconds of
 * a monotonic clock the caller reads). When full, the oldest insertion is
 * dropped: entries live for the same short time, so insertion order is (close
 * to) expiry order and the front is always the least useful entry. No I/O.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, or `undefined` when absent or expired at `now`. */
  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` until `expiresAt`; does nothing if that is not after `now`. */
  set(key: string, value: V, expiresAt: number, now: number): void {
    this.entries.delete(key); // re-inserted at the back
    if (expiresAt <= now) return;
    for (const [k, e] of this.entries) {
      if (this.entries.size < this.maxEntries && e.expiresAt > now) break;
      this.entries.delete(k);
    }
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
