import { InvalidEventError } from '../core/errors.js';
import { SCHEMA_VERSION_KEY, type EventSchemas, type EventTypeSchema } from './event-schemas.js';
import { validateWith } from './standard-schema.js';
import type { EventInput } from '../core/types.js';
import { isPlainObject } from '../core/validate.js';

/**
 * The events of one append as the store writes them: each event of a registered type has its
 * data validated by the type's schema (and replaced by what the schema returns, e.g. with
 * defaults filled in and unknown keys dropped) and its version recorded in
 * `metadata.schemaVersion`. A refusal is an InvalidEventError naming every issue. Events that are
 * not even objects with a string type are passed on untouched: the usual checks that follow
 * report them.
 */
export async function applySchemas(schemas: EventSchemas, stream: string, events: unknown): Promise<unknown> {
  if (!Array.isArray(events)) return events;
  const applied: unknown[] = [];
  for (let index = 0; index < events.length; index++) {
    const event: unknown = events[index];
    const type = isPlainObject(event) && typeof event.type === 'string' ? event.type : undefined;
    const definition = type === undefined ? undefined : schemas.types.get(type);
    if (type !== undefined && definition === undefined && schemas.strict && type.length > 0) {
      throw new InvalidEventError(index, 'type', `"${type}" is not a registered event type (the schemas are strict)`, stream);
    }
    applied.push(definition ? await applySchema(definition, event as EventInput, index, stream) : event);
  }
  return applied;
}

async function applySchema(definition: EventTypeSchema, event: EventInput, index: number, stream: string): Promise<EventInput> {
  const { metadata } = event;
  // Metadata that is not an object is left for the usual checks to refuse.
  if (metadata !== undefined && !isPlainObject(metadata)) return event;
  const given = metadata?.[SCHEMA_VERSION_KEY];
  if (given !== undefined && given !== definition.version) {
    throw new InvalidEventError(
      index,
      `metadata.${SCHEMA_VERSION_KEY}`,
      `${JSON.stringify(given)} is not the current version of "${definition.type}" (${definition.version}): events are appended in their type's current shape`,
      stream,
    );
  }
  const result = await validateWith(definition.schema, event.data, 'data');
  if (result.issues) throw new InvalidEventError(index, result.issues[0]!.field, result.issues[0]!.message, stream, result.issues);
  const { data: _given, ...rest } = event;
  const stamped = { ...rest, metadata: { ...metadata, [SCHEMA_VERSION_KEY]: definition.version } };
  // A schema that returns undefined leaves the data out (stored as null), as an event without data.
  return result.value === undefined ? stamped : { ...stamped, data: result.value as EventInput['data'] };
}
