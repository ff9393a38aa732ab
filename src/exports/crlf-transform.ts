import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/**
 * Turns the `\n` record separators of a CSV byte stream (PostgreSQL's COPY
 * writes `\n`) into RFC 4180's `\r\n`, at Buffer level: one `indexOf` per
 * record and one copy per chunk, no strings. A `\n` inside a quoted cell is
 * data, not a separator, and is left alone: the quote state (every `"`
 * toggles it, which also handles `""` escapes) is carried across chunks, so
 * a chunk may end anywhere, including between a `\r`-less `\n` and the next
 * record or in the middle of a quoted cell. Chunks without any `"` (the usual
 * case) take a fast path that never looks at single bytes in JavaScript.
 */
export class CrlfTransform extends Transform {
  private quoted = false;
  /** Offsets of the separators of the current chunk; reused between chunks. */
  private readonly cuts: number[] = [];

  constructor(options: TransformOptions = {}) {
    super({ ...options, decodeStrings: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    done(null, this.convert(chunk));
  }

  private convert(chunk: Buffer): Buffer {
    const cuts = this.cuts;
    cuts.length = 0;
    if (!this.quoted && chunk.indexOf(QUOTE) === -1) {
      for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) cuts.push(i);
    } else {
      let quoted = this.quoted;
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (b === QUOTE) quoted = !quoted;
        else if (b === LF && !quoted) cuts.push(i);
      }
      this.quoted = quoted;
    }
    if (cuts.length === 0) return chunk;
    const out = Buffer.allocUnsafe(chunk.length + cuts.length);
    let from = 0;
    let to = 0;
    for (const cut of cuts) {
      to += chunk.copy(out, to, from, cut);
      out[to++] = CR;
      from = cut; // the LF itself starts the next copy
    }
    chunk.copy(out, to, from);
    return out;
  }
}
