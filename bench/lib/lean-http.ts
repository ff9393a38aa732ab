/**
 * A lean HTTP/1.1 keep-alive GET client for load generation on the service's
 * own cores: one connection, one request at a time, bodies counted and
 * dropped as they arrive. `net`'s `onread` reads every chunk into the
 * connection's one reused buffer, so a 1 MB answer costs the kernel's copy
 * and a header parse, not ~20 `Buffer`s, `data` events and an HTTP parser
 * per answer. (node:http costs about as much CPU per 1 MB answer as the
 * service spends sending it, and the load generator shares the 2 cores.)
 *
 * Only what the benches need: `Content-Length` bodies (or none, for 304);
 * a chunked answer or a malformed head is an error, never a guess.
 */
import { connect, type Socket } from 'node:net';

export interface LeanAnswer {
  status: number;
  /** Lowercase header names; values as sent. */
  headers: Map<string, string>;
  /** Body bytes received (as sent on the wire, never decoded). */
  bytes: number;
  /** The first `keepBody` bytes of the body (for a failure's detail). */
  bodyStart: Buffer;
}

interface Pending {
  resolve(a: LeanAnswer): void;
  reject(e: Error): void;
  head: Buffer[];
  headBytes: number;
  answer: LeanAnswer | null;
  remaining: number;
  keep: Buffer[];
  keptBytes: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const KEEP_BODY = 512;
const MAX_HEAD = 64 * 1024;

export class LeanHttpConnection {
  private readonly socket: Socket;
  private readonly ready: Promise<void>;
  private pending: Pending | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    readBufferBytes = 256 * 1024,
  ) {
    this.socket = connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: Buffer.allocUnsafe(readBufferBytes),
        callback: (n: number, buf: Uint8Array) => {
          this.onChunk(Buffer.from(buf.buffer, buf.byteOffset, n));
          return true;
        },
      },
    });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    const fail = (e: Error) => {
      this.failure = e;
      const p = this.pending;
      this.pending = null;
      p?.reject(e);
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(this.failure ?? new Error('connection closed')));
  }

  /** One GET; the connection must be idle (one request at a time). */
  async get(path: string, headers: Record<string, string>): Promise<LeanAnswer> {
    await this.ready;
    if (this.failure) throw this.failure;
    if (this.pending) throw new Error('LeanHttpConnection: a request is already in flight');
    let head = `GET ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    head += '\r\n';
    return new Promise<LeanAnswer>((resolve, reject) => {
      this.pending = {
        resolve,
        reject,
        head: [],
        headBytes: 0,
        answer: null,
        remaining: 0,
        keep: [],
        keptBytes: 0,
      };
      this.socket.write(head);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onChunk(chunk: Buffer): void {
    const p = this.pending;
    if (!p) {
      this.socket.destroy(new Error(`unexpected ${chunk.length} bytes with no request in flight`));
      return;
    }
    let body = chunk;
    if (p.answer === null) {
      // The head may span chunks: keep copies (the read buffer is reused).
      p.head.push(Buffer.from(chunk));
      p.headBytes += chunk.length;
      const all = Buffer.concat(p.head, p.headBytes);
      const end = all.indexOf(HEAD_END);
      if (end < 0) {
        if (p.headBytes > MAX_HEAD) this.socket.destroy(new Error('answer head too long'));
        return;
      }
      const parsed = parseHead(all.subarray(0, end).toString('latin1'));
      if (parsed instanceof Error) {
        this.socket.destroy(parsed);
        return;
      }
      p.answer = {
        status: parsed.status,
        headers: parsed.headers,
        bytes: 0,
        bodyStart: Buffer.alloc(0),
      };
      p.remaining = parsed.length;
      body = all.subarray(end + HEAD_END.length);
    }
    if (body.length > p.remaining) {
      this.socket.destroy(new Error(`answer longer than its Content-Length`));
      return;
    }
    p.remaining -= body.length;
    p.answer.bytes += body.length;
    if (p.keptBytes < KEEP_BODY && body.length > 0) {
      const part = Buffer.from(body.subarray(0, KEEP_BODY - p.keptBytes));
      p.keep.push(part);
      p.keptBytes += part.length;
    }
    if (p.remaining === 0) {
      p.answer.bodyStart = Buffer.concat(p.keep);
      this.pending = null;
      p.resolve(p.answer);
    }
  }
}

function parseHead(
  text: string,
): { status: number; headers: Map<string, string>; length: number } | Error {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.1 (\d{3})/.exec(lines[0]);
  if (!m) return new Error(`not an HTTP/1.1 status line: ${lines[0].slice(0, 80)}`);
  const status = Number(m[1]);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  if (headers.has('transfer-encoding'))
    return new Error(`transfer-encoding ${headers.get('transfer-encoding')} is not supported here`);
  const cl = headers.get('content-length');
  if (cl === undefined) {
    if (status === 304 || status === 204) return { status, headers, length: 0 };
    return new Error(`answer ${status} has no Content-Length`);
  }
  if (!/^\d+$/.test(cl)) return new Error(`bad Content-Length ${cl}`);
  return { status, headers, length: Number(cl) };
}
