import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_SCHEMAS } from '../auth/dto/api-key.openapi';
import { CLOUD_EVENT_SCHEMAS } from '../events/dto/cloud-event.openapi';
import { HEALTH_SCHEMAS } from '../health/dto/health.openapi';
import { FINALIZE_SCHEMAS } from '../invoices/dto/finalize.openapi';
import { PRICE_BOOK_SCHEMAS } from '../price-books/dto/price-book.openapi';
import { RATING_ISSUE_SCHEMAS } from '../rating/dto/rating-issue.openapi';
import { STATEMENT_SCHEMAS } from '../statements/dto/statement.openapi';
import { COMMON_SCHEMAS, type SchemaComponents } from './schemas';
import { serveSwaggerUi } from './swagger-ui';

/** Every named schema the controllers' decorators reference (`ref(name)`). */
const SCHEMAS: SchemaComponents = {
  ...COMMON_SCHEMAS,
  ...PRICE_BOOK_SCHEMAS,
  ...CLOUD_EVENT_SCHEMAS,
  ...API_KEY_SCHEMAS,
  ...STATEMENT_SCHEMAS,
  ...RATING_ISSUE_SCHEMAS,
  ...FINALIZE_SCHEMAS,
  ...HEALTH_SCHEMAS,
};

/** The OpenAPI 3 document of the routes this application (this ROLE) serves. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('IaaS billing')
    .setVersion('1')
    .setDescription(
      'Usage metering and billing for an IaaS cloud. The control plane sends CloudEvents ' +
        '(`POST /v1/events`); the service rates them as weight × price × time against ' +
        'immutable price-book versions, serves per-tenant statements and invoices, and exports ' +
        'invoice lines as CSV for finance. Money, prices and weights are decimal strings, times ' +
        'are RFC 3339 in UTC, and every error is RFC 9457 `application/problem+json` with a ' +
        'stable `code`. Authenticate with `Authorization: Bearer <key>`; each operation names ' +
        'the scope it needs (`admin` may call everything). On every path: a method the path ' +
        'does not take is a `405` (`method-not-allowed`, with `Allow`); a request that is not ' +
        "valid HTTP is a `400` (`bad-request`), headers over Node's limit (16 KiB by default) a " +
        '`431` (`headers-too-large`), and a request not received in time a `408` ' +
        '(`request-timeout`).',
    )
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description: 'An API key (`ADMIN_API_KEY`, or one issued by `POST /v1/api-keys`)',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...SCHEMAS },
  };
  return document;
}

/**
 * Serves the document at `GET /docs-json` and the UI at `GET /docs`, both
 * unauthenticated (Fastify routes, not Nest controllers: no guard applies).
 * The document is built at boot, so a broken decorator fails fast.
 */
export function setupOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    raw: ['json'],
    // The UI is ours (see swagger-ui.ts): Nest's would register @fastify/static.
    ui: false,
  });
  serveSwaggerUi(app);
}
