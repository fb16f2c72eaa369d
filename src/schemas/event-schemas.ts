import { InvalidArgumentError } from '../core/errors.js';
import { isStandardSchema, type InferOutput, type StandardSchemaV1 } from './standard-schema.js';
import type { EventMetadata, JsonValue } from '../core/types.js';

/**
 * Turns an event's data from one version of its type's shape into the next. `data` is the older
 * shape, which no schema describes any more: type it yourself when it helps.
 */
export type Upcaster = (data: any, event: UpcastContext) => unknown;

/** Where the event being upcast sits, for upcasters that need more than its data. */
export interface UpcastContext {
  /** The event's id. */
  readonly id: string;
  /** Its type. */
  readonly type: string;
  /** Its stream. */
  readonly stream: string;
  /** Its revision in the stream. */
  readonly revision: number;
  /** Its global position. */
  readonly position: number;
  /** Its metadata as stored. */
  readonly metadata: EventMetadata;
  /** When it was recorded. */
  readonly recordedAt: Date;
}

/** One event type: the schema of its data today, the version of that shape, and how older versions become it. */
export interface EventTypeDefinition<S extends StandardSchemaV1 = StandardSchemaV1> {
  /** Validates `data` on append (any Standard Schema: zod, Valibot, ArkType, …); what it returns is stored. */
  readonly schema: S;
  /** The current version of the data's shape, an integer >= 1. Default 1. */
  readonly version?: number;
  /** `upcast[v]` turns data of version v into version v + 1: one for every version below `version`. */
  readonly upcast?: { readonly [from: number]: Upcaster };
}

/** Options of `defineEvents`. */
export interface DefineEventsOptions {
  /** Refuse to append events of types not defined here (ANNALS_INVALID_EVENT). Default false: they are stored as given. */
  readonly strict?: boolean;
}

/** A resolved event type: what the store applies on append and on read. */
export interface EventTypeSchema {
  /** The event type. */
  readonly type: string;
  /** The schema of its data today. */
  readonly schema: StandardSchemaV1;
  /** The current version of its data's shape. */
  readonly version: number;
  /** `upcasters[v - 1]` turns version v into v + 1. */
  readonly upcasters: readonly Upcaster[];
}

const BRAND = Symbol.for('annals.event-schemas');

/** The event types of an application, made by `defineEvents`, given to a store with `openStore(url, { schemas })`. */
export interface EventSchemas<D extends Record<string, EventTypeDefinition> = Record<string, EventTypeDefinition>> {
  /** Marks the object as made by `defineEvents`. */
  readonly [BRAND]: true;
  /** The definitions as given, for the types below. */
  readonly definitions: D;
  /** Each type, resolved, by name. */
  readonly types: ReadonlyMap<string, EventTypeSchema>;
  /** Whether appends of types not defined here are refused. */
  readonly strict: boolean;
}

/**
 * The union of the events the schemas describe, in their current shape: use it as a decider's
 * event type, so that the types and the runtime checks come from one place.
 */
export type EventsOf<S extends EventSchemas<any>> = S extends EventSchemas<infer D>
  ? {
      [K in keyof D & string]: {
        /** The event's type. */
        readonly type: K;
        /** Its data, as its type's schema produces it. */
        readonly data: InferOutput<D[K]['schema']>;
        /** Its metadata. */
        readonly metadata?: EventMetadata;
      };
    }[keyof D & string]
  : never;

/** The well-known metadata key that records the version of an event's data shape (absent: version 1). */
export const SCHEMA_VERSION_KEY = 'schemaVersion';

/**
 * Registers event types with a schema and a version, and the upcasters from older versions.
 * A store opened with them validates every appended event of these types (and records its
 * version in `metadata.schemaVersion`), and hands out stored events in their current shape.
 *
 * ```ts
 * export const bankEvents = defineEvents({
 *   AccountOpened: {
 *     schema: z.object({ owner: z.string(), currency: z.string() }),
 *     version: 2,
 *     upcast: { 1: (v1: { owner: string }) => ({ ...v1, currency: 'EUR' }) },
 *   },
 *   MoneyDeposited: { schema: z.object({ amount: z.number().int().positive() }) },
 * });
 * ```
 */
export function defineEvents<const D extends Record<string, EventTypeDefinition>>(definitions: D, options: DefineEventsOptions = {}): EventSchemas<D> {
  if (typeof definitions !== 'object' || definitions === null || Array.isArray(definitions)) {
    throw new InvalidArgumentError('definitions', definitions, 'an object of event types: { TypeName: { schema, version?, upcast? } }');
  }
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', options, 'an object { strict? }');
  if (options.strict !== undefined && typeof options.strict !== 'boolean') throw new InvalidArgumentError('strict', options.strict, 'true or false');
  const types = new Map<string, EventTypeSchema>();
  for (const [type, definition] of Object.entries(definitions)) types.set(type, resolveDefinition(type, definition));
  return Object.freeze({ [BRAND]: true as const, definitions, types, strict: options.strict ?? false });
}

/** Whether `value` was made by `defineEvents`. */
export function isEventSchemas(value: unknown): value is EventSchemas {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

function resolveDefinition(type: string, definition: EventTypeDefinition): EventTypeSchema {
  const where = `definitions.${type}`;
  if (type.length === 0) throw new InvalidArgumentError('definitions', '', 'non-empty event type names');
  if (typeof definition !== 'object' || definition === null) throw new InvalidArgumentError(where, definition, 'an object { schema, version?, upcast? }');
  if (!isStandardSchema(definition.schema)) {
    throw new InvalidArgumentError(`${where}.schema`, definition.schema, 'a Standard Schema validator (zod, Valibot, ArkType, …) with a ~standard property');
  }
  const version = definition.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) throw new InvalidArgumentError(`${where}.version`, definition.version, 'an integer >= 1');
  const upcast = definition.upcast ?? {};
  if (typeof upcast !== 'object' || upcast === null) throw new InvalidArgumentError(`${where}.upcast`, upcast, 'an object { 1: v1 => v2, 2: v2 => v3, … }');
  const upcasters: Upcaster[] = [];
  for (let from = 1; from < version; from++) {
    const upcaster = upcast[from];
    if (typeof upcaster !== 'function') {
      throw new InvalidArgumentError(`${where}.upcast[${from}]`, upcaster, `a function turning version ${from} data into version ${from + 1} (the type is at version ${version})`);
    }
    upcasters.push(upcaster);
  }
  const extra = Object.keys(upcast).filter((key) => !(Number(key) >= 1 && Number(key) < version && Number.isInteger(Number(key))));
  if (extra.length > 0) {
    throw new InvalidArgumentError(`${where}.upcast`, extra, `upcasters only from the versions below the current one (1 to ${version - 1})`);
  }
  return { type, schema: definition.schema, version, upcasters };
}

/** The version an event was stored with: its metadata's `schemaVersion`, 1 when absent. */
export function storedVersion(metadata: EventMetadata): JsonValue | undefined {
  return metadata[SCHEMA_VERSION_KEY] ?? 1;
}
