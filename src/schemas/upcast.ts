import { EventDecodeError } from '../core/errors.js';
import { SCHEMA_VERSION_KEY, storedVersion, type EventSchemas, type EventTypeSchema } from './event-schemas.js';
import { validateWith, type SchemaIssue } from './standard-schema.js';
import type { JsonValue, RecordedEvent } from '../core/types.js';

/**
 * A stored event in its type's current shape: the upcasters from its stored version up are
 * applied in turn (v1 → v2 → v3), and `metadata.schemaVersion` becomes the current version.
 * Events of unregistered types, and events already current, are handed out as they are. The
 * data is not validated again on read (an upcaster's result is trusted); `annals check-events`
 * does that for the whole log.
 */
export function upcastEvent(schemas: EventSchemas, event: RecordedEvent): RecordedEvent {
  const definition = schemas.types.get(event.type);
  if (definition === undefined) return event;
  const version = storedVersion(event.metadata);
  if (version === definition.version) return event;
  return { ...event, data: upcastData(definition, event, version), metadata: { ...event.metadata, [SCHEMA_VERSION_KEY]: definition.version } };
}

function upcastData(definition: EventTypeSchema, event: RecordedEvent, version: JsonValue | undefined): JsonValue {
  const fail = (reason: string, cause?: unknown) =>
    new EventDecodeError(event.id, event.stream, event.revision, event.position, event.type, version, reason, cause === undefined ? undefined : { cause });
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw fail(`its metadata.${SCHEMA_VERSION_KEY} ${JSON.stringify(version)} is not a version (an integer >= 1)`);
  }
  if (version > definition.version) {
    throw fail(`it was written at version ${version}, newer than the schema's version ${definition.version} (by newer code?)`);
  }
  let data: unknown = event.data;
  for (let from = version; from < definition.version; from++) {
    try {
      data = definition.upcasters[from - 1]!(data, event);
    } catch (error) {
      throw fail(`the upcaster from version ${from} to ${from + 1} threw: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }
  return (data ?? null) as JsonValue;
}

/** What check-events finds for one stored event. */
export type EventCheck =
  | {
      /** It decodes, and today's schema accepts it. */
      readonly status: 'ok';
    }
  | {
      /** Its type has no schema. */
      readonly status: 'unregistered';
    }
  | {
      /** It cannot be upcast, or today's schema refuses the result. */
      readonly status: 'failed';
      /** Why, in words. */
      readonly reason: string;
      /** Every issue the schema found, when the schema refused it. */
      readonly issues?: readonly SchemaIssue[];
    };

/**
 * Whether a stored event decodes with today's schemas: upcast to the current version, then
 * validated by the current schema (what an append of it today would accept).
 */
export async function checkEvent(schemas: EventSchemas, event: RecordedEvent): Promise<EventCheck> {
  const definition = schemas.types.get(event.type);
  if (definition === undefined) return { status: 'unregistered' };
  let current: RecordedEvent;
  try {
    current = upcastEvent(schemas, event);
  } catch (error) {
    if (error instanceof EventDecodeError) return { status: 'failed', reason: error.reason };
    throw error;
  }
  const result = await validateWith(definition.schema, current.data, 'data');
  if (!result.issues) return { status: 'ok' };
  const { issues } = result;
  return { status: 'failed', reason: `the current schema refuses it: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues };
}
