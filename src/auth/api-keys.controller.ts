import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ProblemCode, problem } from '../common/problem/problem';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ApiProblems } from '../openapi/problem-responses';
import { ref } from '../openapi/schemas';
import { ApiKeyService, type ApiKeyView, type IssuedApiKey } from './api-key.service';
import { createApiKeySchema, type CreateApiKeyInput } from './dto/create-api-key.dto';
import { RequireScopes } from './scopes.decorator';

@ApiTags('api-keys')
@ApiBearerAuth()
@RequireScopes('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @HttpCode(201)
  // The answer carries a secret: no cache may keep it.
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Create an API key; the key is in this answer only (201)',
    description:
      'Scope `admin`. The key is stored only hashed and answered once (`Cache-Control: no-store`).',
  })
  @ApiBody({
    schema: ref('CreateApiKey'),
    examples: {
      ingest: { summary: 'For the control plane', value: { scope: 'ingest' } },
      tenant: { summary: 'For one tenant’s portal', value: { scope: 'tenant', tenantId: 't-1' } },
    },
  })
  @ApiResponse({
    status: 201,
    description: 'The new key',
    headers: { 'Cache-Control': { schema: { type: 'string', enum: ['no-store'] } } },
    schema: ref('IssuedApiKey'),
    example: {
      id: '0b7f2a9e-5c1d-4e8a-9f3b-6d2c1a0e9b47',
      key: 'bk_Xy3kP0aQvR7tLm2NwE8sJ4cF6hB1dG9zK5uYiO0pTqA',
      scope: 'tenant',
      tenantId: 't-1',
      createdAt: '2026-10-16T11:00:00.000Z',
    },
  })
  @ApiProblems(
    { status: 400, codes: [ProblemCode.ValidationFailed, ProblemCode.MalformedJson] },
    401,
    403,
    413,
    415,
    503,
  )
  async create(
    @Body(new ZodValidationPipe(createApiKeySchema)) input: CreateApiKeyInput,
  ): Promise<IssuedApiKey> {
    return this.keys.issue(input.scope, input.tenantId);
  }

  @Get()
  @ApiOperation({
    summary: 'List API keys (never the keys themselves)',
    description: 'Scope `admin`.',
  })
  @ApiResponse({
    status: 200,
    description: 'Every key, oldest first, revoked ones included',
    schema: ref('ApiKeyList'),
    example: {
      items: [
        {
          id: '0b7f2a9e-5c1d-4e8a-9f3b-6d2c1a0e9b47',
          scope: 'tenant',
          tenantId: 't-1',
          keyPrefix: 'bk_Xy3kP0aQ',
          createdAt: '2026-10-16T11:00:00.000Z',
          revokedAt: null,
        },
      ],
    },
  })
  @ApiProblems(401, 403, 503)
  async list(): Promise<{ items: ApiKeyView[] }> {
    return { items: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke an API key (204, also when already revoked); every replica within 5 s',
    description: 'Scope `admin`. The `ADMIN_API_KEY` key is not stored and cannot be revoked here.',
  })
  @ApiParam({
    name: 'id',
    description: 'The key id (from its creation or the list)',
    schema: { type: 'string', format: 'uuid' },
  })
  @ApiResponse({ status: 204, description: 'Revoked (or already revoked)' })
  // no body is needed, but one that is sent is parsed like any other
  @ApiProblems(
    { status: 400, codes: [ProblemCode.MalformedJson] },
    401,
    403,
    {
      status: 404,
      examples: { [ProblemCode.NotFound]: problem(404, ProblemCode.NotFound, 'No such API key') },
      description: 'Not found: `not-found` — no key with this id (or not a UUID)',
    },
    413,
    415,
    503,
  )
  async revoke(@Param('id') id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}
