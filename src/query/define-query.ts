import { InvalidArgumentError } from '../core/errors.js';
import type { ReadModels } from '../readmodel/read-models.js';
import type { Consistency } from '../readmodel/read-models.js';
import type { StandardSchemaV1 } from '../schemas/standard-schema.js';

/** What a query handler gets besides its input: the read models, and the consistency the caller asked for. */
export interface QueryContext {
  /** The read models to read from. */
  readonly readModels: ReadModels;
  /** Pass to each read (`get`, `find`, `count`) so that it waits for the caller's position. */
  readonly consistency: Consistency;
}

/** What `defineQuery` takes. */
export interface QueryDefinition<I, R> {
  /** The query's name, for messages, logs and (later) the HTTP API. */
  readonly name: string;
  /** A Standard Schema (zod, valibot, arktype, …) that checks and shapes the input; without it the input is passed as it is. */
  readonly input?: StandardSchemaV1<unknown, I>;
  /** Answers the query from read models. */
  readonly handle: (input: I, context: QueryContext) => Promise<R>;
}

/** A query, checked: the counterpart of a command handler on the read side. */
export type Query<I, R> = QueryDefinition<I, R>;

/** A named question answered from read models (`handleQuery` runs it). */
export function defineQuery<I, R>(definition: QueryDefinition<I, R>): Query<I, R> {
  if (typeof definition !== 'object' || definition === null) throw new InvalidArgumentError('query', definition, 'an object { name, input?, handle }');
  if (typeof definition.name !== 'string' || definition.name.length === 0) throw new InvalidArgumentError('query name', definition.name, 'a non-empty string');
  if (typeof definition.handle !== 'function') throw new InvalidArgumentError(`handle of query "${definition.name}"`, definition.handle, 'an async function (input, context) => result');
  if (definition.input !== undefined && typeof definition.input?.['~standard']?.validate !== 'function') {
    throw new InvalidArgumentError(`input of query "${definition.name}"`, definition.input, 'a Standard Schema (zod, valibot, arktype, …)');
  }
  return Object.freeze({ ...definition });
}
