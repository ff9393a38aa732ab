import { ProblemCode, ProblemException } from '../common/problem/problem';
import type { Principal } from './principal';

/**
 * For tenant readers (CONTRACT §5): admin may read any tenant, a tenant key
 * only its own. Anything else is a 404 "No such tenant", so a caller learns
 * nothing about other tenants — not even whether they exist.
 */
export function assertTenantAccess(principal: Principal | undefined, tenantId: string): void {
  if (principal?.scope === 'admin') return;
  if (
    principal?.scope === 'tenant' &&
    principal.tenantId !== null &&
    principal.tenantId === tenantId
  )
    return;
  throw new ProblemException(404, ProblemCode.NotFound, 'No such tenant');
}
