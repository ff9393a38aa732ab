import { ProblemException } from '../common/problem/problem';
import type { Principal } from './principal';
import { assertTenantAccess } from './tenant-access';

const admin: Principal = { keyId: 'k-admin', scope: 'admin', tenantId: null };
const ingest: Principal = { keyId: 'k-ingest', scope: 'ingest', tenantId: null };
const tenantA: Principal = { keyId: 'k-a', scope: 'tenant', tenantId: 't-a' };

function thrown(fn: () => void): ProblemException {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProblemException) return err;
    throw err;
  }
  throw new Error('expected a ProblemException');
}

describe(assertTenantAccess.name, () => {
  it('lets admin read any tenant', () => {
    expect(() => assertTenantAccess(admin, 't-a')).not.toThrow();
    expect(() => assertTenantAccess(admin, 't-b')).not.toThrow();
  });

  it('lets a tenant key read its own tenant only', () => {
    expect(() => assertTenantAccess(tenantA, 't-a')).not.toThrow();
    const err = thrown(() => assertTenantAccess(tenantA, 't-b'));
    expect(err.problem).toMatchObject({ status: 404, code: 'not-found', detail: 'No such tenant' });
  });

  it('compares tenant ids exactly (case and prefixes matter)', () => {
    expect(thrown(() => assertTenantAccess(tenantA, 'T-A')).problem.status).toBe(404);
    expect(thrown(() => assertTenantAccess(tenantA, 't-a2')).problem.status).toBe(404);
    expect(thrown(() => assertTenantAccess(tenantA, 't-')).problem.status).toBe(404);
  });

  it('refuses ingest keys, a missing principal and a tenant key without a tenant with the same 404', () => {
    const broken: Principal = { keyId: 'k-x', scope: 'tenant', tenantId: null };
    for (const p of [ingest, undefined, broken]) {
      const err = thrown(() => assertTenantAccess(p, 't-a'));
      expect(err.problem).toEqual({
        type: 'urn:iaas-billing:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: 'No such tenant',
        code: 'not-found',
      });
    }
  });
});
