import { Client } from 'pg';

/** The PostgreSQL settings the service's speed over time depends on. */
export interface ServerSettings {
  autovacuum: string;
  trackCounts: string;
}

/**
 * What is wrong with them, one sentence each (none: nothing). Every rating
 * deletes the `rating_marks` rows it consumed and rewrites `resources` and
 * `rated_intervals` rows, so those tables gather dead rows at the rate events
 * arrive; only (auto)vacuum removes them. Without it, rating slows down as
 * they pile up: 1,000,000 events measured ~4× the CPU per event with
 * autovacuum off (BENCHMARKS.md, "Autovacuum").
 */
export function settingsWarnings(s: ServerSettings): string[] {
  const warnings: string[] = [];
  if (s.autovacuum !== 'on')
    warnings.push(
      'PostgreSQL runs with autovacuum off: the dead rows every rating leaves in rating_marks, ' +
        'resources and rated_intervals are never removed, and rating slows down as they pile up. ' +
        'Turn autovacuum on.',
    );
  if (s.trackCounts !== 'on')
    warnings.push(
      'PostgreSQL runs with track_counts off: autovacuum cannot see which tables need vacuuming, ' +
        'and rating slows down as dead rows pile up. Turn track_counts on.',
    );
  return warnings;
}

/**
 * Reads the settings from the server (one short connection) and answers
 * `settingsWarnings`. Advice, not a precondition: when they cannot be read,
 * that is the one warning, and the service boots all the same.
 */
export async function serverSettingsWarnings(
  databaseUrl: string,
  connectTimeoutMs: number,
): Promise<string[]> {
  const client = new Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: connectTimeoutMs,
    // a server that accepts the connection but never answers must not hold the boot
    query_timeout: connectTimeoutMs,
    application_name: 'iaas-billing-boot',
  });
  client.on('error', () => undefined); // surfaces in connect() or the query
  try {
    await client.connect();
    const { rows } = await client.query<{ autovacuum: string; track_counts: string }>(
      `SELECT current_setting('autovacuum') AS autovacuum, current_setting('track_counts') AS track_counts`,
    );
    return settingsWarnings({ autovacuum: rows[0].autovacuum, trackCounts: rows[0].track_counts });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return [`could not read PostgreSQL's settings (${why}): autovacuum was not checked.`];
  } finally {
    await client.end().catch(() => undefined);
  }
}
