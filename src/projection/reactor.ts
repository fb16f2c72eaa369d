import { checkPartitions, type PartitionDeclaration } from './partitions.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { RecordedEvent } from '../core/types.js';
import { assertCategory, assertTypes } from '../core/validate.js';
import { assertProjectionName } from '../readmodel/names.js';
import type { DeadLetter } from '../readmodel/types.js';
import { AFTER_PARKED, ApplyFailed, type FailurePolicy } from './apply-batch.js';
import type { EventSelection, Projection } from './define-projection.js';

/** What a reactor's function gets besides the event. */
export interface ReactionContext {
  /** The event's id: pass it to the system you call as the idempotency key, since a reaction may run more than once. */
  readonly idempotencyKey: string;
  /** Aborts when the runner stops. */
  readonly signal: AbortSignal;
}

/** What `defineReactor` takes. */
export interface ReactorDefinition<E extends RecordedEvent = RecordedEvent> {
  /** The reactor's name (as a projection's: its checkpoint and lease are kept under it). */
  readonly name: string;
  /** The events it reacts to. Default: every event. */
  readonly handles?: EventSelection;
  /** The side effect (send a mail, call a service). Awaited, one event at a time, in log order. */
  readonly react: (event: E, context: ReactionContext) => Promise<void>;
  /** Splits the reactor into partitions that a consumer group shares, as a projection's (see docs/scaling.md). Default: not partitioned. */
  readonly partitions?: PartitionDeclaration<E>;
}

/** A reactor: a projection with no read model, whose runner drives side effects. */
export interface Reactor<E extends RecordedEvent = RecordedEvent> extends Projection<E> {
  /** The side effect. */
  readonly react: (event: E, context: ReactionContext) => Promise<void>;
}

/**
 * A reactor: the projection runner driving side effects instead of documents. Checkpointed
 * like a projection, so each event is reacted to at least once: after a crash, the events since
 * the last checkpoint are reacted to again, with the same idempotency key (the event's id).
 * A failing event is retried, then parked with the later events of its stream, as a
 * projection's are.
 */
export function defineReactor<E extends RecordedEvent = RecordedEvent>(definition: ReactorDefinition<E>): Reactor<E> {
  if (typeof definition !== 'object' || definition === null) throw new InvalidArgumentError('reactor', definition, 'an object { name, handles?, react }');
  const name = assertProjectionName(definition.name);
  if (typeof definition.react !== 'function') throw new InvalidArgumentError(`react of reactor "${name}"`, definition.react, 'an async function (event, context) => void');
  const partitions = checkPartitions(name, definition.partitions);
  const handles = definition.handles ?? {};
  const selection: EventSelection = { category: assertCategory(handles.category), types: assertTypes(handles.types) };
  return Object.freeze({
    name,
    version: 1,
    partitions,
    handles: selection,
    collections: {},
    apply: () => undefined,
    react: definition.react,
    specs: new Map(),
    specsAt: () => new Map(),
  });
}

/** Whether a projection is a reactor. */
export function isReactor(projection: Projection<any>): projection is Reactor<any> {
  return typeof (projection as Partial<Reactor>).react === 'function';
}

/** What a batch of reactions came to: what to park, how far every event was handled, and a failure to retry. */
export interface ReactionOutcome {
  readonly park: readonly DeadLetter[];
  readonly parkedStreams: ReadonlySet<string>;
  /** The last position reacted to or parked before a failure (undefined when none was). */
  readonly through: number | undefined;
  /** An event that failed with attempts left: the runner commits up to `through`, then retries from there. */
  readonly failed: ApplyFailed | undefined;
  /** True when the batch ran out of time before its end: the runner commits up to `through` and goes on from there. */
  readonly cut: boolean;
}

/** Reacts to each event in order, parking as projections do; stops at a failure that has attempts left. */
export async function reactBatch(reactor: Reactor<any>, events: readonly RecordedEvent[], policy: FailurePolicy, signal: AbortSignal, maxMs: number): Promise<ReactionOutcome> {
  const park: DeadLetter[] = [];
  const parkedStreams = new Set<string>();
  const until = performance.now() + maxMs;
  let through: number | undefined;
  for (const event of events) {
    if (signal.aborted) break;
    if (through !== undefined && performance.now() >= until) return { park, parkedStreams, through, failed: undefined, cut: true };
    if (policy.parkedStreams.has(event.stream) || parkedStreams.has(event.stream)) {
      park.push(letter(event, AFTER_PARKED));
    } else {
      try {
        await reactor.react(event, { idempotencyKey: event.id, signal });
      } catch (error) {
        const attempt = (policy.attempts.get(event.position) ?? 0) + 1;
        policy.attempts.set(event.position, attempt);
        if (attempt < policy.maxAttempts) return { park, parkedStreams, through, failed: new ApplyFailed(event, attempt, { cause: error }), cut: false };
        park.push(letter(event, error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
        parkedStreams.add(event.stream);
      }
    }
    through = event.position;
  }
  return { park, parkedStreams, through, failed: undefined, cut: false };
}

function letter(event: RecordedEvent, error: string): DeadLetter {
  return { position: event.position, eventId: event.id, stream: event.stream, type: event.type, error, parkedAt: Date.now() };
}
