import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { zodFieldErrors } from './decimal-input';
import { ProblemException } from './problem/problem';

/**
 * Validates a body, query or path parameter with a zod schema; every
 * problem is listed, each naming its field (a path parameter by its name).
 */
export class ZodValidationPipe<S extends z.ZodTypeAny> implements PipeTransform<
  unknown,
  z.output<S>
> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata?: ArgumentMetadata): z.output<S> {
    const result = this.schema.safeParse(value);
    if (!result.success) {
      // a single parameter (`@Param('tenantId', pipe)`) is named by its own name
      const prefix = metadata?.type === 'param' && metadata.data ? metadata.data : '';
      throw ProblemException.validation(
        zodFieldErrors(result.error, prefix, metadata?.type === 'query' ? 'query' : 'body'),
      );
    }
    return result.data as z.output<S>;
  }
}
