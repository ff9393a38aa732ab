import type { FastifyInstance } from 'fastify';

/** Each server's routes: a path pattern (`:param` a segment) and its methods. */
const tables = new WeakMap<
  FastifyInstance,
  Map<string, { pattern: RegExp; methods: Set<string> }>
>();

/**
 * Records every route Fastify registers from now on, so that a request for a
 * path that exists with another method can be answered 405 with `Allow`
 * (`allowedMethods`) instead of 404. Call before the routes are registered.
 */
export function recordRoutes(fastify: FastifyInstance): void {
  const table = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  tables.set(fastify, table);
  fastify.addHook('onRoute', (route) => {
    let entry = table.get(route.url);
    if (entry === undefined) {
      const source = route.url
        .split('/')
        .map((seg) =>
          seg.startsWith(':')
            ? '[^/]+'
            : seg === '*'
              ? '.*'
              : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/');
      entry = { pattern: new RegExp(`^${source}$`), methods: new Set() };
      table.set(route.url, entry);
    }
    for (const m of [route.method].flat()) entry.methods.add(m.toUpperCase());
  });
}

/** The methods some route answers at `path` (sorted; empty when none does). */
export function allowedMethods(fastify: FastifyInstance, path: string): string[] {
  const methods = new Set<string>();
  for (const { pattern, methods: ms } of tables.get(fastify)?.values() ?? [])
    if (pattern.test(path)) for (const m of ms) methods.add(m);
  return [...methods].sort();
}
