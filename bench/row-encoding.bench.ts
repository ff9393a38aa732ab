/**
 * How a bulk write sends its rows, measured: the same 200 rating segments
 * (16 columns) inserted into a temporary table of the same shape as
 * `rated_intervals`, sent each way below, BENCH_ENCODING_CALLS times (400)
 * after a warm-up round. Reports the CPU per row of the PostgreSQL backend
 * (from /proc) and of this process (building the parameters and pg's
 * encoding of them). The service sends `jsonb` tuples (`tuples`, from
 * src/database/json-tuples.ts, the same SQL the rating write runs).
 */
import { Client } from 'pg';
import { tuples } from '../src/database/json-tuples';
import { SEGMENT_TUPLE } from '../src/rating/rating.repository';
import { SERVER_URL, progress, progressDone, report } from './lib/harness';
import { cpuSecondsOf } from './lib/procstat';
import { envInt, runAsScript } from './lib/util';

const ROWS = 200;
const COLUMNS = SEGMENT_TUPLE;
const NAMES = COLUMNS.map(([n]) => n);
const SQL_TYPES = COLUMNS.map(([, t]) => (t === 'instant' ? 'timestamptz' : t));
const TABLE = `CREATE TEMP TABLE x (${COLUMNS.map(([n], i) => `${n} ${SQL_TYPES[i]}`).join(', ')})`;

type Row = (string | number | null)[];
const START = Date.UTC(2026, 9, 1, 0, 0, 0, 1);
const rows: Row[] = Array.from({ length: ROWS }, (_, i) => [
  'vm',
  `vm-r-${1000 + i}`,
  'tenant-07',
  START + i * 3_600_000,
  i % 5 ? START + (i + 1) * 3_600_000 : null,
  'standard',
  'running',
  null,
  null,
  'a3bb189e-8bf9-3888-9912-ace4e6543002',
  'EUR',
  '1.5',
  '0.012',
  '0.018',
  `vm-r-1000-${i}`,
  i % 5 ? `vm-r-1000-${i + 1}` : null,
]);
const iso = (ms: number | string | null) => (ms === null ? null : new Date(ms).toISOString());
const column = (i: number) => rows.map((r) => r[i]);
const ms = (c: string) => `'epoch'::timestamptz + ${c} * interval '1 millisecond'`;
const asMs = NAMES.map((n, i) => (COLUMNS[i][1] === 'instant' ? ms(n) : n)).join(', ');
const recordset = COLUMNS.map(([n, t]) => `${n} ${t === 'instant' ? 'bigint' : t}`).join(', ');
const objects = () =>
  JSON.stringify(rows.map((r) => Object.fromEntries(NAMES.map((n, i) => [n, r[i]]))));
const arrays = (cast: (i: number) => string) =>
  COLUMNS.map((_, i) => `$${i + 1}::${cast(i)}[]`).join(', ');

/** name → [SQL, parameters]; each inserts the 200 rows into x. */
const WAYS: Record<string, [string, () => unknown[]]> = {
  '16 array literals, instants as ISO text': [
    `INSERT INTO x SELECT * FROM unnest(${arrays((i) => SQL_TYPES[i])})`,
    () => COLUMNS.map(([, t], i) => (t === 'instant' ? column(i).map(iso) : column(i))),
  ],
  '16 array literals, instants as epoch ms': [
    `INSERT INTO x SELECT ${asMs} FROM unnest(${arrays((i) =>
      COLUMNS[i][1] === 'instant' ? 'bigint' : SQL_TYPES[i],
    )}) AS u(${NAMES.join(', ')})`,
    () => COLUMNS.map((_, i) => column(i)),
  ],
  'objects, json_to_recordset': [
    `INSERT INTO x SELECT ${asMs} FROM json_to_recordset($1::json) AS n(${recordset})`,
    () => [objects()],
  ],
  'objects, jsonb_to_recordset': [
    `INSERT INTO x SELECT ${asMs} FROM jsonb_to_recordset($1::jsonb) AS n(${recordset})`,
    () => [objects()],
  ],
  'json tuples, ->>': [
    `INSERT INTO x ${tuples('$1', COLUMNS).replace('jsonb_array_elements($1::jsonb)', 'json_array_elements($1::json)')}`,
    () => [JSON.stringify(rows)],
  ],
  'jsonb tuples (the service)': [
    `INSERT INTO x ${tuples('$1', COLUMNS)}`,
    () => [JSON.stringify(rows)],
  ],
};

export async function run(): Promise<void> {
  const calls = envInt('BENCH_ENCODING_CALLS', 400);
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  const figures: Record<string, number> = {};
  try {
    await client.query(TABLE);
    const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    for (const round of ['warm-up', 'measured']) {
      for (const [name, [text, params]] of Object.entries(WAYS)) {
        progress(`row-encoding (${round}): ${name}…`);
        const own = process.cpuUsage();
        const backend = cpuSecondsOf(pid);
        for (let i = 0; i < calls; i++) {
          await client.query({
            name: `enc${Object.keys(WAYS).indexOf(name)}`,
            text,
            values: params(),
          });
          if (i % 50 === 49) await client.query('TRUNCATE x');
        }
        const mine = process.cpuUsage(own);
        const rowsSent = calls * ROWS;
        if (round === 'measured') {
          figures[`${name}: PostgreSQL µs per row`] =
            ((cpuSecondsOf(pid) - backend) * 1e6) / rowsSent;
          figures[`${name}: this process µs per row`] = (mine.user + mine.system) / rowsSent;
        }
      }
    }
  } finally {
    await client.end();
    progressDone();
  }
  report('row-encoding', { 'rows per call': ROWS, calls, ...figures });
}

runAsScript(module, run);
