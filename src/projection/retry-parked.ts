import type { RecordedEvent } from '../core/types.js';
import type { DeadLetter } from '../readmodel/types.js';
import { applyBatch } from './apply-batch.js';
import { checkpointMoved, commitUnparking, readDeadLetters, type DeadLetterTarget, type HeldLease } from './dead-letter-target.js';
import { isReactor, reactBatch } from './reactor.js';

/** What retrying dead letters came to. */
export interface RetryDeadLettersResult {
  /** Events applied (or reacted to) and un-parked. */
  readonly applied: number;
  /** Parked events no longer in the log (their stream was deleted or truncated since): un-parked without being applied, as a rebuild would never see them. */
  readonly missing: number;
  /** Streams whose every parked event was applied: they flow again. */
  readonly streams: readonly string[];
  /** Of each stream still parked, the event that failed again, with its new error. */
  readonly failed: readonly DeadLetter[];
  /** Events that stay parked: those that failed again and the later ones of their streams. */
  readonly stillParked: number;
}

/** Letters per commit, in whole streams (a stream with more parked events is one commit on its own). */
const CHUNK = 500;
/** Commits refused because an inline append moved the checkpoint, tried again at most this often. */
const MAX_CONFLICTS = 20;

/**
 * Applies the parked events of the chosen streams (all when `streams` is undefined), each
 * stream's in position order, and commits each chunk's writes with the un-parking of what
 * applied and the re-parking of what failed again, in one commit that compare-and-sets the
 * checkpoint (unchanged) and the lease: a stream's parked events are applied exactly once, or
 * stay parked. A stream whose event fails again keeps it parked (with the new error) and every
 * later one behind it.
 */
export async function retryParked(target: DeadLetterTarget, lease: HeldLease, streams: ReadonlySet<string> | undefined): Promise<RetryDeadLettersResult> {
  const { events, store, projection, key, specs } = target;
  const tried = new Set<string>();
  const result = { applied: 0, missing: 0, streams: [] as string[], failed: [] as DeadLetter[], stillParked: 0 };
  for (let conflicts = 0; ; ) {
    const from = (await store.state(key))?.checkpoint ?? 0;
    const letters = await readDeadLetters(store, key, (letter) => (streams === undefined || streams.has(letter.stream)) && !tried.has(letter.stream));
    if (letters.length === 0) return result;
    const chunk = wholeStreams(letters);
    const found = await Promise.all(chunk.map((letter) => events.getEvent(letter.eventId)));
    const present = found.filter((event): event is RecordedEvent => event !== undefined).sort((a, b) => a.position - b.position);
    const policy = { parkedStreams: new Set<string>(), attempts: new Map<number, number>(), maxAttempts: 1 };
    const outcome = isReactor(projection)
      ? { ...(await reactBatch(projection, present, policy, new AbortController().signal, Number.POSITIVE_INFINITY)), writes: [] }
      : await applyBatch(projection, specs, present, store, policy);
    const parkedAgain = new Set(outcome.park.map((letter) => letter.position));
    const chunkStreams = new Set(chunk.map((letter) => letter.stream));
    const flowing = [...chunkStreams].filter((stream) => !outcome.parkedStreams.has(stream));
    const commit = {
      key,
      from,
      checkpoint: from,
      lease: lease.token,
      ...(lease.ttlMs === undefined ? {} : { ttlMs: lease.ttlMs }),
      writes: outcome.writes,
      park: outcome.park,
      unpark: chunk.map((letter) => letter.position).filter((position) => !parkedAgain.has(position)),
    };
    try {
      await commitUnparking(target, commit, flowing);
    } catch (error) {
      if (checkpointMoved(error, lease.token) && ++conflicts <= MAX_CONFLICTS) continue; // read again from the new checkpoint
      throw error;
    }
    for (const stream of chunkStreams) tried.add(stream);
    result.applied += present.length - outcome.park.length;
    result.missing += chunk.length - present.length;
    result.streams.push(...flowing);
    result.failed.push(...outcome.park.filter((letter, i, all) => all.findIndex((other) => other.stream === letter.stream) === i));
    result.stillParked += outcome.park.length;
    await lease.renew();
  }
}

/** The first streams' letters (by their first parked position), whole, up to CHUNK letters or one stream. */
function wholeStreams(letters: readonly DeadLetter[]): DeadLetter[] {
  const byStream = new Map<string, DeadLetter[]>();
  for (const letter of letters) {
    let list = byStream.get(letter.stream);
    if (list === undefined) byStream.set(letter.stream, (list = []));
    list.push(letter);
  }
  const chunk: DeadLetter[] = [];
  for (const list of byStream.values()) {
    if (chunk.length > 0 && chunk.length + list.length > CHUNK) break;
    chunk.push(...list);
  }
  return chunk;
}
