import { SetMetadata } from '@nestjs/common';
import type { Scope } from './principal';

export const SCOPES_KEY = 'billing:scopes';

/** The scopes that may call a handler. `admin` is always allowed. */
export const RequireScopes = (...scopes: Scope[]) => SetMetadata(SCOPES_KEY, scopes);
