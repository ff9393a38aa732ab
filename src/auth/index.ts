/** What other features use from auth. */
export { CurrentPrincipal } from './current-principal.decorator';
export type { Principal, Scope } from './principal';
export { RequireScopes } from './scopes.decorator';
export { assertTenantAccess } from './tenant-access';
