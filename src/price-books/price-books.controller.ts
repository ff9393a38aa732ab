import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { RequireScopes } from '../auth/scopes.decorator';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { createPriceBookSchema, type CreatePriceBookInput } from './dto/create-price-book.dto';
import type { PriceBookVersionView } from './price-book.mapper';
import { PriceBooksService } from './price-books.service';

const listQuery = z
  .object({
    tenantId: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1–128 chars of [A-Za-z0-9._-]')
      .optional(),
  })
  .strict();

@ApiTags('price-books')
@ApiBearerAuth()
@RequireScopes('admin')
@Controller('v1/price-books')
export class PriceBooksController {
  constructor(private readonly priceBooks: PriceBooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an immutable price-book version (201; 200 for an identical resend)',
  })
  async create(
    @Body(new ZodValidationPipe(createPriceBookSchema)) input: CreatePriceBookInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PriceBookVersionView> {
    const { version, created } = await this.priceBooks.create(input);
    void reply.status(created ? 201 : 200);
    return version;
  }

  @Get()
  @ApiOperation({ summary: 'List price-book versions, optionally of one tenant' })
  async list(
    @Query(new ZodValidationPipe(listQuery)) query: z.output<typeof listQuery>,
  ): Promise<{ items: PriceBookVersionView[] }> {
    return { items: await this.priceBooks.list(query.tenantId) };
  }
}
