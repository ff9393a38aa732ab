import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemCode, ProblemException } from '../common/problem/problem';
import { ApiKeyService } from './api-key.service';
import type { Principal, Scope } from './principal';
import { SCOPES_KEY } from './scopes.decorator';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** Enforces `@RequireScopes(...)`: 401 without a valid key, 403 without the scope. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const scopes = this.reflector.getAllAndOverride<Scope[] | undefined>(SCOPES_KEY, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (!scopes) return true; // public route
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = await authenticate(this.keys, req.headers.authorization, scopes);
    req.principal = principal;
    return true;
  }
}

/**
 * The principal of an `Authorization` header allowed one of `scopes` (admin
 * always is). Shared by the guard and by ingest's check before its body is
 * read.
 * @throws ProblemException 401 without a valid key, 403 without the scope
 */
export async function authenticate(
  keys: ApiKeyService,
  header: string | string[] | undefined,
  scopes: Scope[],
): Promise<Principal> {
  const principal = await authenticateKey(keys, header);
  if (principal.scope !== 'admin' && !scopes.includes(principal.scope)) {
    throw new ProblemException(
      403,
      ProblemCode.Forbidden,
      `This endpoint needs scope ${['admin', ...scopes.filter((s) => s !== 'admin')].join(' or ')}`,
    );
  }
  return principal;
}

/**
 * The principal of an `Authorization` header, whatever its scope.
 * @throws ProblemException 401 without a valid key
 */
export async function authenticateKey(
  keys: ApiKeyService,
  header: string | string[] | undefined,
): Promise<Principal> {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  const principal = match ? await keys.verify(match[1]) : null;
  if (!principal) {
    throw new ProblemException(
      401,
      ProblemCode.Unauthorized,
      match ? 'The API key is not valid' : 'Send an API key as "Authorization: Bearer <key>"',
      {},
      { 'www-authenticate': 'Bearer' },
    );
  }
  return principal;
}
