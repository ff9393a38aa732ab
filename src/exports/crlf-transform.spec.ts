import fc from 'fast-check';
import { Readable } from 'node:stream';
import { CrlfTransform } from './crlf-transform';

/** Runs `chunks` through a fresh transform, returns what came out. */
async function convert(chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks, { objectMode: false }).pipe(new CrlfTransform()))
    out.push(c as Buffer);
  return Buffer.concat(out);
}

/** Splits `whole` at `cuts` (offsets in any order, duplicates allowed: empty chunks). */
function split(whole: Buffer, cuts: number[]): Buffer[] {
  const at = [...cuts.map((c) => c % (whole.length + 1))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    chunks.push(whole.subarray(from, c));
    from = c;
  }
  chunks.push(whole.subarray(from));
  return chunks;
}

/** The obvious, one-character-at-a-time definition. */
function reference(text: string): string {
  let quoted = false;
  let out = '';
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n' && !quoted) out += '\r';
    out += ch;
  }
  return out;
}

describe(CrlfTransform.name, () => {
  it('turns record separators into CRLF', async () => {
    const csv = 'a,b\nINV-1,\'-vm\n"x,y",2\n';
    expect((await convert([Buffer.from(csv)])).toString()).toBe(
      'a,b\r\nINV-1,\'-vm\r\n"x,y",2\r\n',
    );
  });

  it('handles a \\n at a chunk boundary, on either side', async () => {
    const expected = 'h\r\nr1\r\nr2\r\n';
    for (const chunks of [
      ['h\n', 'r1\n', 'r2\n'],
      ['h', '\nr1', '\n', 'r2', '\n'],
      ['h', '\n', '', 'r1\nr2\n', ''],
    ])
      expect((await convert(chunks.map((c) => Buffer.from(c)))).toString()).toBe(expected);
  });

  it('leaves a \\n inside a quoted cell alone, even when the quote was in an earlier chunk', async () => {
    const chunks = ['a,"multi', '\nline', ' ""quoted""', '\n', 'still",b\nnext\n'];
    expect((await convert(chunks.map((c) => Buffer.from(c)))).toString()).toBe(
      'a,"multi\nline ""quoted""\nstill",b\r\nnext\r\n',
    );
  });

  it('passes a chunk without any \\n through as it is', async () => {
    const chunk = Buffer.from('no separator here');
    expect((await convert([chunk])).equals(chunk)).toBe(true);
  });

  it('matches the one-character definition whatever the text and wherever the chunks are cut', async () => {
    const text = fc.string({
      unit: fc.constantFrom('a', '1', ',', '"', '\n', '\r', "'", '-', 'é', '€'),
      maxLength: 60,
    });
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 8 }), async (t, cuts) => {
        const out = await convert(split(Buffer.from(t), cuts));
        expect(out.toString()).toBe(reference(t));
      }),
      { numRuns: 500 },
    );
  });
});
