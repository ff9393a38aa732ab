import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { RequireScopes } from '../auth/scopes.decorator';
import { ProblemCode } from '../common/problem/problem';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { ApiProblems } from '../openapi/problem-responses';
import { ref, TENANT_ID_PATTERN } from '../openapi/schemas';
import { createPriceBookSchema, type CreatePriceBookInput } from './dto/create-price-book.dto';
import { PRICE_BOOK_EXAMPLE, PRICE_BOOK_VERSION_EXAMPLE } from './dto/price-book.openapi';
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
    description:
      'Scope `admin`. `tenantId: null` is the global book, a tenant id a negotiated book. At ' +
      "instant t a resource is priced by the latest version with `effectiveFrom ≤ t` among its tenant's " +
      'own versions, else among the global ones. Sending the stored body again for the same ' +
      '`tenantId` and `effectiveFrom` answers that version with 200.',
  })
  @ApiBody({
    schema: ref('CreatePriceBook'),
    examples: { global: { summary: 'A global book', value: PRICE_BOOK_EXAMPLE } },
  })
  @ApiResponse({
    status: 201,
    description: 'Created a new version',
    schema: ref('PriceBookVersion'),
    example: PRICE_BOOK_VERSION_EXAMPLE,
  })
  @ApiResponse({
    status: 200,
    description: 'An identical version already existed: that version (idempotent resend)',
    schema: ref('PriceBookVersion'),
    example: PRICE_BOOK_VERSION_EXAMPLE,
  })
  @ApiProblems(
    { status: 400, codes: [ProblemCode.ValidationFailed, ProblemCode.MalformedJson] },
    401,
    403,
    {
      status: 409,
      codes: [
        ProblemCode.PriceBookExists,
        ProblemCode.PeriodFinalized,
        ProblemCode.CurrencyChangeMidPeriod,
      ],
    },
    413,
    415,
    503,
  )
  async create(
    @Body(new ZodValidationPipe(createPriceBookSchema)) input: CreatePriceBookInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PriceBookVersionView> {
    const { version, created } = await this.priceBooks.create(input);
    void reply.status(created ? 201 : 200);
    return version;
  }

  @Get()
  @ApiOperation({
    summary: 'List price-book versions, optionally of one tenant',
    description: 'Scope `admin`. Global versions first, then by tenant and `effectiveFrom`.',
  })
  @ApiQuery({
    name: 'tenantId',
    required: false,
    description: "Only this tenant's own (negotiated) versions",
    schema: { type: 'string', pattern: TENANT_ID_PATTERN },
  })
  @ApiResponse({
    status: 200,
    description: 'The versions',
    schema: ref('PriceBookVersionList'),
    example: { items: [PRICE_BOOK_VERSION_EXAMPLE] },
  })
  @ApiProblems(400, 401, 403, 503)
  async list(
    @Query(new ZodValidationPipe(listQuery)) query: z.output<typeof listQuery>,
  ): Promise<{ items: PriceBookVersionView[] }> {
    return { items: await this.priceBooks.list(query.tenantId) };
  }
}
