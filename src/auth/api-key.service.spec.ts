import type { ConfigService } from '@nestjs/config';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/env.schema';
import type { ApiKeyEntity } from './api-key.entity';
import { ApiKeyService, VERIFY_CACHE_TTL_MS } from './api-key.service';

const ENV_KEY = 'env-admin-key-0123456789';
const KEY = `bk_${'A'.repeat(43)}`;
const row: ApiKeyEntity = {
  id: '00000000-0000-4000-8000-000000000001',
  scope: 'ingest',
  tenantId: null,
  keyHash: 'x'.repeat(64),
  keyPrefix: KEY.slice(0, 11),
  createdAt: new Date(0),
  revokedAt: null,
};

/** The service over a fake repository and a hand-driven clock: no I/O. */
function setup() {
  const findOne = jest.fn<Promise<ApiKeyEntity | null>, unknown[]>();
  const config = { get: () => ENV_KEY } as unknown as ConfigService<AppConfig, true>;
  const dataSource = { getRepository: () => ({ findOne }) } as unknown as DataSource;
  const service = new ApiKeyService(config, dataSource);
  const clock = { t: 1000 };
  service.now = () => clock.t;
  return { service, findOne, clock };
}

describe(ApiKeyService.name, () => {
  it('accepts the env admin key without touching the database', async () => {
    const { service, findOne } = setup();
    await expect(service.verify(ENV_KEY)).resolves.toEqual({
      keyId: 'env:ADMIN_API_KEY',
      scope: 'admin',
      tenantId: null,
    });
    expect(findOne).not.toHaveBeenCalled();
  });

  it('refuses keys that are not in our format without a query', async () => {
    const { service, findOne } = setup();
    await expect(service.verify('nope')).resolves.toBeNull();
    await expect(service.verify(`${KEY}=`)).resolves.toBeNull();
    expect(findOne).not.toHaveBeenCalled();
  });

  it('looks a key up by its SHA-256, ignoring revoked keys', async () => {
    const { service, findOne } = setup();
    findOne.mockResolvedValue(row);
    await expect(service.verify(KEY)).resolves.toEqual({
      keyId: row.id,
      scope: 'ingest',
      tenantId: null,
    });
    const where = (findOne.mock.calls[0][0] as { where: Record<string, unknown> }).where;
    expect(where.keyHash).toBe(createHash('sha256').update(KEY).digest('hex'));
    expect(where).toHaveProperty('revokedAt');
  });

  it('caches positive and negative answers for less than the TTL only', async () => {
    const { service, findOne, clock } = setup();
    findOne.mockResolvedValueOnce(row).mockResolvedValueOnce(null);
    await service.verify(KEY);
    clock.t += VERIFY_CACHE_TTL_MS - 1;
    await expect(service.verify(KEY)).resolves.not.toBeNull(); // cached
    expect(findOne).toHaveBeenCalledTimes(1);
    clock.t += 1;
    await expect(service.verify(KEY)).resolves.toBeNull(); // revoked meanwhile
    expect(findOne).toHaveBeenCalledTimes(2);
    clock.t += VERIFY_CACHE_TTL_MS - 1;
    await expect(service.verify(KEY)).resolves.toBeNull(); // negative answer cached
    expect(findOne).toHaveBeenCalledTimes(2);
  });

  it('counts the TTL from when the query started', async () => {
    const { service, findOne, clock } = setup();
    findOne.mockImplementation(async () => {
      clock.t += VERIFY_CACHE_TTL_MS; // a slow query
      return row;
    });
    await service.verify(KEY);
    await service.verify(KEY);
    expect(findOne).toHaveBeenCalledTimes(2);
  });

  it('shares one query between concurrent lookups of a key', async () => {
    const { service, findOne } = setup();
    findOne.mockResolvedValue(row);
    const answers = await Promise.all([service.verify(KEY), service.verify(KEY)]);
    expect(answers[0]).toEqual(answers[1]);
    expect(findOne).toHaveBeenCalledTimes(1);
  });

  it('lets a database error propagate (never a 401) and does not cache it', async () => {
    const { service, findOne } = setup();
    findOne.mockRejectedValueOnce(Object.assign(new Error('down'), { code: 'ECONNREFUSED' }));
    await expect(service.verify(KEY)).rejects.toThrow('down');
    findOne.mockResolvedValueOnce(row);
    await expect(service.verify(KEY)).resolves.toMatchObject({ scope: 'ingest' });
  });
});
