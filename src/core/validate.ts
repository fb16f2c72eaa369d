import { randomUUID } from 'node:crypto';
import { DuplicateEventIdError, EventTooLargeError, InvalidArgumentError, InvalidEventError, InvalidStreamNameError } from './errors.js';
import type { EventInput, ExpectedRevision } from './types.js';

/** The longest stream name, in characters (code points). */
export const MAX_STREAM_NAME_LENGTH = 200;
export const MAX_EVENT_TYPE_LENGTH = 200;
/** The default largest event a store takes: its data and metadata as JSON, in UTF-8 bytes (1 MiB). */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

// C0 and C1 control characters, DEL included.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An event checked, given its id, and serialised: what adapters write. */
export interface PreparedEvent {
  /** The event's UUID in lower case; '' when `generated` and the backend makes ids. */
  readonly id: string;
  /** The event's type. */
  readonly type: string;
  /** JSON text of `data` (`null` when absent). */
  readonly data: string;
  /** JSON text of `metadata` (`{}` when absent). */
  readonly metadata: string;
  /**
   * True when the store generated the id: a fresh random UUID cannot be recorded already, so
   * backends skip its idempotency look-up (the unique key on ids still guards it). For a
   * backend that makes its own ids (EventLog.makesEventIds), `id` is then ''.
   */
  readonly generated: boolean;
}

/** Whether `value` is a UUID in its text form (any letter case). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function assertStreamName(stream: unknown): string {
  if (typeof stream !== 'string') throw new InvalidStreamNameError(stream, `expected a string, got ${typeName(stream)}`);
  if (stream.length === 0) throw new InvalidStreamNameError(stream, 'it is empty');
  // Characters are code points; a name of at most MAX UTF-16 units has at most MAX of them.
  if (stream.length > MAX_STREAM_NAME_LENGTH) {
    const length = [...stream].length;
    if (length > MAX_STREAM_NAME_LENGTH) throw new InvalidStreamNameError(stream, `it has ${length} characters, more than ${MAX_STREAM_NAME_LENGTH}`);
  }
  if (CONTROL.test(stream)) throw new InvalidStreamNameError(stream, 'it contains a control character');
  // Spaces at either end are never meant (and a name of spaces alone shows as nothing), and a
  // leading '-' gives an empty category, which no category filter can name.
  if (/^\s|\s$/.test(stream)) throw new InvalidStreamNameError(stream, 'it starts or ends with white space');
  if (stream.startsWith('-')) throw new InvalidStreamNameError(stream, "it starts with '-', which leaves its category empty");
  return stream;
}

/** The category of a stream: the text before its first `-`, or the whole name when it has none. */
export function categoryOf(stream: string): string {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
}

/**
 * `makeIds`: false when the backend makes the ids of events given without one (their `id` is then '').
 * `maxEventBytes`: the largest event's data and metadata JSON, in UTF-8 bytes.
 */
export function prepareEvents(stream: string, events: unknown, makeIds = true, maxEventBytes = DEFAULT_MAX_EVENT_BYTES): PreparedEvent[] {
  if (!Array.isArray(events)) throw new InvalidArgumentError('events', events, 'an array of events');
  if (events.length === 0) throw new InvalidArgumentError('events', events, 'at least one event to append');
  // Only given ids can repeat within a call: a generated one is a fresh random UUID.
  let given: Set<string> | undefined;
  const prepared = new Array<PreparedEvent>(events.length);
  for (let index = 0; index < events.length; index++) {
    const event = prepareEvent(stream, events[index], index, makeIds);
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long event is measured exactly.
    if ((event.data.length + event.metadata.length) * 3 > maxEventBytes) {
      const bytes = Buffer.byteLength(event.data) + Buffer.byteLength(event.metadata);
      if (bytes > maxEventBytes) throw new EventTooLargeError(index, stream, bytes, maxEventBytes);
    }
    if (!event.generated) {
      given ??= new Set();
      if (given.has(event.id)) throw new DuplicateEventIdError(event.id, stream);
      given.add(event.id);
    }
    prepared[index] = event;
  }
  return prepared;
}

function isEventField(key: string): boolean {
  return key === 'type' || key === 'data' || key === 'metadata' || key === 'id';
}

function prepareEvent(stream: string, event: unknown, index: number, makeId: boolean): PreparedEvent {
  const invalid = (field: string, reason: string) => new InvalidEventError(index, field, reason, stream);
  if (!isPlainObject(event)) throw invalid('(event)', `expected an object, got ${typeName(event)}`);
  const { type, data, metadata, id } = event as EventInput & Record<string, unknown>;
  for (const key of Object.keys(event)) {
    if (!isEventField(key)) throw invalid(key, 'unknown field (expected type, data, metadata, id)');
  }
  if (typeof type !== 'string' || type.length === 0) throw invalid('type', `expected a non-empty string, got ${typeName(type)}`);
  if (type.length > MAX_EVENT_TYPE_LENGTH) throw invalid('type', `longer than ${MAX_EVENT_TYPE_LENGTH} characters`);
  if (CONTROL.test(type)) throw invalid('type', 'contains a control character');

  let eventId: string;
  if (id === undefined) eventId = makeId ? randomUUID() : '';
  else if (typeof id === 'string' && UUID.test(id)) eventId = id.toLowerCase();
  else throw invalid('id', `expected a UUID string, got ${describe(id)}`);

  if ('data' in event && data === undefined) throw invalid('data', 'undefined is not JSON (leave data out, or use null)');
  const dataProblem = data === undefined || isJson(data) ? undefined : jsonProblem(data, 'data');
  if (dataProblem) throw invalid(dataProblem.path, dataProblem.reason);

  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) throw invalid('metadata', `expected a JSON object, got ${typeName(metadata)}`);
    const metaProblem = isJson(metadata) ? undefined : jsonProblem(metadata, 'metadata');
    if (metaProblem) throw invalid(metaProblem.path, metaProblem.reason);
    for (const key of ['correlationId', 'causationId'] as const) {
      const value = (metadata as Record<string, unknown>)[key];
      if (value !== undefined && typeof value !== 'string') throw invalid(`metadata.${key}`, `expected a string, got ${typeName(value)}`);
    }
  }

  return {
    id: eventId,
    generated: id === undefined,
    type,
    data: data === undefined ? 'null' : JSON.stringify(data),
    metadata: metadata === undefined ? '{}' : JSON.stringify(metadata),
  };
}

/**
 * Whether `value` comes back unchanged from a JSON round trip: the same rules as jsonProblem,
 * without building a path for every value, which is the common case on every append.
 */
function isJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  // Deep nesting may be a cycle: jsonProblem decides (and names the path).
  if (depth > 64) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isJson(item, depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  for (const key in value) {
    const item = value[key];
    if (item !== undefined && !isJson(item, depth + 1)) return false;
  }
  return true;
}

/**
 * Why `value` would not come back unchanged from a JSON round trip, or undefined when it would.
 * Object properties whose value is undefined are allowed: JSON leaves them out, as TypeScript's optional fields expect.
 */
export function jsonProblem(value: unknown, path: string, ancestors: object[] = []): { path: string; reason: string } | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { path, reason: `${value} is not a JSON number` };
    case 'undefined':
      return { path, reason: 'undefined is not JSON (use null)' };
    case 'bigint':
      return { path, reason: 'a BigInt is not JSON (convert it to a string)' };
    case 'function':
      return { path, reason: 'a function is not JSON' };
    case 'symbol':
      return { path, reason: 'a symbol is not JSON' };
  }
  if (value === null) return undefined;
  const object = value as object;
  if (ancestors.includes(object)) return { path, reason: 'a cycle (the value contains itself)' };
  ancestors.push(object);
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const problem = jsonProblem(object[i], `${path}[${i}]`, ancestors);
        if (problem) return problem;
      }
      return undefined;
    }
    if (!isPlainObject(object)) {
      return { path, reason: `a ${object.constructor?.name ?? 'non-plain'} object is not JSON (convert it to plain data, e.g. a Date to an ISO string)` };
    }
    for (const [key, item] of Object.entries(object)) {
      if (item === undefined) continue;
      const problem = jsonProblem(item, `${path}.${key}`, ancestors);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    ancestors.pop();
  }
}

export function parseExpectedRevision(value: unknown, argument = 'expectedRevision'): ExpectedRevision {
  if (value === undefined) return 'any';
  if (value === 'any' || value === 'no_stream' || value === 'stream_exists') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new InvalidArgumentError(argument, value, `'any', 'no_stream', 'stream_exists' or a revision (an integer >= 0)`);
}

export function assertCount(argument: string, value: unknown, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum) return value;
  throw new InvalidArgumentError(argument, value, `an integer >= ${minimum}`);
}

export function assertTypes(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.every((type) => typeof type === 'string' && type.length > 0)) return value as string[];
  throw new InvalidArgumentError('types', value, 'an array of non-empty event type names');
}

export function assertCategory(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length > 0 && !value.includes('-') && !CONTROL.test(value)) return value;
  throw new InvalidArgumentError('category', value, 'a non-empty category name without "-" (the text before the first "-" of a stream name)');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeName(value);
}
