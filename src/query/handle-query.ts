import { InvalidArgumentError } from '../core/errors.js';
import type { Consistency, ReadModels } from '../readmodel/read-models.js';
import { validateWith } from '../schemas/standard-schema.js';
import type { Query } from './define-query.js';

/**
 * Runs a query: checks its input with the query's schema (InvalidArgumentError listing the
 * issues, before any read), then answers it from the read models. With `consistency.minPosition`
 * (an append's or command's `position`), every read the handler makes waits until its
 * projection has applied the log that far, or throws ConsistencyTimeoutError.
 */
export async function handleQuery<I, R>(readModels: ReadModels, query: Query<I, R>, input: unknown, consistency: Consistency = {}): Promise<R> {
  let checked = input as I;
  if (query.input !== undefined) {
    const result = await validateWith(query.input, input, 'input');
    if (result.issues) {
      const described = result.issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
      throw new InvalidArgumentError(`input of query "${query.name}"`, input, `input the query's schema accepts (${described})`);
    }
    checked = result.value as I;
  }
  return query.handle(checked, { readModels, consistency });
}
