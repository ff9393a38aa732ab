export type Scope = 'admin' | 'ingest' | 'tenant';

/** Who is calling: resolved from the bearer key. */
export interface Principal {
  keyId: string;
  scope: Scope;
  tenantId: string | null;
}
