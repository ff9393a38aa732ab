import { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { zodFieldErrors } from './decimal-input';
import { ProblemException } from './problem/problem';

/** Validates a body or query with a zod schema; every problem is listed, each naming its field. */
export class ZodValidationPipe<S extends z.ZodTypeAny> implements PipeTransform<
  unknown,
  z.output<S>
> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value);
    if (!result.success) throw ProblemException.validation(zodFieldErrors(result.error));
    return result.data as z.output<S>;
  }
}
