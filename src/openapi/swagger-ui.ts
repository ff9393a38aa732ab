import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Swagger UI at `GET /docs`, over the document at `GET /docs-json`.
 *
 * Served here rather than by `SwaggerModule.setup`'s UI: that one registers
 * `@fastify/static`, which `require`s an ES-module-only dependency
 * (`content-disposition` 2) — fine for Node ≥ 20.19 itself, but fatal under
 * Jest (no `require(esm)` before Node 24.9), and the integration tests must
 * run the very same `createApp`. The UI needs only a page, a script and a few
 * files of `swagger-ui-dist` (a dependency of `@nestjs/swagger`), each served
 * from a fixed list: no path from the request ever reaches the file system.
 */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

function swaggerUiDistDir(): string {
  const fromNestSwagger = createRequire(require.resolve('@nestjs/swagger'));
  const absolutePath = fromNestSwagger('swagger-ui-dist/absolute-path.js') as () => string;
  return absolutePath();
}

/** `base`: where the assets are relative to the page (`docs/` from `/docs`, `./` from `/docs/`). */
const page = (base: string) => `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>IaaS billing API</title>
  <link rel="stylesheet" href="${base}swagger-ui.css">
  <link rel="icon" type="image/png" href="${base}favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="${base}favicon-16x16.png" sizes="16x16">
  <style>body { margin: 0; background: #fafafa; }</style>
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${base}swagger-ui-bundle.js"></script>
  <script src="${base}swagger-ui-init.js"></script>
</body>
</html>
`;

/** Relative URLs, so the UI also works behind a reverse proxy that adds a path prefix. */
const INIT_JS = `window.onload = function () {
  var json = window.location.pathname.endsWith('/') ? '../docs-json' : 'docs-json';
  window.ui = SwaggerUIBundle({
    url: new URL(json, window.location.href).href,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
};
`;

/** Registers `GET /docs`, `GET /docs/` and the UI's files under `/docs/` (Fastify routes, no guard). */
export function serveSwaggerUi(app: NestFastifyApplication): void {
  const path = '/docs';
  const fastify = app.getHttpAdapter().getInstance();
  const dir = swaggerUiDistDir();
  fastify.get(path, (_req, reply) => reply.type('text/html; charset=utf-8').send(page('docs/')));
  fastify.get(`${path}/`, (_req, reply) => reply.type('text/html; charset=utf-8').send(page('./')));
  fastify.get(`${path}/swagger-ui-init.js`, (_req, reply) =>
    reply.type('application/javascript; charset=utf-8').send(INIT_JS),
  );
  for (const [file, type] of Object.entries(ASSETS)) {
    fastify.get(`${path}/${file}`, (_req, reply) =>
      reply
        .type(type)
        .header('cache-control', 'public, max-age=3600')
        .send(createReadStream(join(dir, file))),
    );
  }
}
