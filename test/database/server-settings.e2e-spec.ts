import { createServer, type Socket } from 'node:net';
import { Client } from 'pg';
import { serverSettingsWarnings } from '../../src/database/server-settings';

/**
 * The boot check reads the real server's settings: it warns about autovacuum
 * exactly when the server runs without it. (The tests' PostgreSQL may run
 * either way; on the development box it runs with autovacuum off, the
 * embedded one of `npm start` with it on: test/infra/boot.e2e-spec.ts.)
 */
describe('server settings checked at boot', () => {
  it('warns about autovacuum exactly when the server runs without it', async () => {
    const url = process.env.TEST_DATABASE_URL!;
    const c = new Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query<{ autovacuum: string }>('SHOW autovacuum');
    await c.end();
    const warnings = await serverSettingsWarnings(url, 5000);
    expect(warnings.some((w) => /autovacuum off/.test(w))).toBe(rows[0].autovacuum !== 'on');
  });

  it('says it could not check, rather than keeping the service from booting or staying silent', async () => {
    expect(await serverSettingsWarnings('postgres://x@127.0.0.1:1/x', 1000)).toEqual([
      expect.stringMatching(
        /^could not read PostgreSQL's settings \(.+\): autovacuum was not checked\.$/,
      ),
    ]);
  });

  it('does not hold the boot when the server accepts the connection and never answers', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      expect(await serverSettingsWarnings(`postgres://x@127.0.0.1:${port}/x`, 500)).toEqual([
        expect.stringMatching(/^could not read PostgreSQL's settings/),
      ]);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
