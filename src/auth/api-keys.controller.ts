import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
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
  @ApiOperation({ summary: 'Create an API key; the key is in this answer only (201)' })
  async create(
    @Body(new ZodValidationPipe(createApiKeySchema)) input: CreateApiKeyInput,
  ): Promise<IssuedApiKey> {
    return this.keys.issue(input.scope, input.tenantId);
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never the keys themselves)' })
  async list(): Promise<{ items: ApiKeyView[] }> {
    return { items: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke an API key (204, also when already revoked); every replica within 5 s',
  })
  async revoke(@Param('id') id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}
