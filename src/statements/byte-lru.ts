/**
 * A map bounded by the bytes of its values, least recently used first out.
 * The caller states each value's size. A value larger than the whole budget
 * is not stored (and drops any older value under its key). Recency is the
 * Map's insertion order: `get` and `set` move a key to the back. No I/O.
 */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private used = 0;

  constructor(readonly maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
      throw new RangeError('maxBytes must be a non-negative integer');
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Sum of the sizes of the entries held (≤ maxBytes). */
  get bytes(): number {
    return this.used;
  }

  /** The value (now the most recently used), or undefined. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** The value without touching its recency. */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /**
   * Stores `value` as the most recently used, evicting the least recently
   * used entries until it fits. Returns false (and holds nothing under
   * `key`) when `bytes` alone exceeds the budget.
   */
  set(key: string, value: V, bytes: number): boolean {
    if (!Number.isSafeInteger(bytes) || bytes < 0)
      throw new RangeError('bytes must be a non-negative integer');
    this.delete(key);
    if (bytes > this.maxBytes) return false;
    for (const [k, e] of this.entries) {
      if (this.used + bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.used -= e.bytes;
    }
    this.entries.set(key, { value, bytes });
    this.used += bytes;
    return true;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= entry.bytes;
  }

  /** Keys from least to most recently used. */
  keys(): string[] {
    return [...this.entries.keys()];
  }
}
