import type { PreparedAppend } from '../../backend/parts.js';

/**
 * The fast path of a single-stream append: one plain statement, no function call. The stream's
 * row is moved on only where the expected revision holds (the rules of src/backend/stream-rules.ts,
 * as in the function's check_expected), then the events are inserted with revisions and
 * positions taken from it. When the row is not moved (expectation failed, hard-deleted stream),
 * the statement writes nothing and returns no position; when an id is recorded already (an
 * idempotent retry, or a duplicate), the id's unique key refuses the insert and the statement
 * writes nothing either. Both cases go to `append_events`, the slow path, which decides the
 * precise error or the idempotent result. So every id, generated or given, takes this path first.
 */
export interface FastAppend {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

// $1 stream, $2 count, $3 category, $4–$7 the events' arrays, $8 the expected revision (only where it is a number).
const MOVE_EXACT = (schema: string) =>
  `UPDATE ${schema}.streams SET revision = revision + $2::int WHERE stream = $1::text AND deleted IS NULL AND revision = $8::bigint
   RETURNING revision - $2::int + 1 AS first`;
const MOVE_EXISTING = (schema: string) =>
  `UPDATE ${schema}.streams SET revision = revision + $2::int WHERE stream = $1::text AND deleted IS NULL AND revision >= 0
   RETURNING revision - $2::int + 1 AS first`;
// A soft-deleted stream continues its revisions; a hard-deleted one refuses every append.
const MOVE_NO_STREAM = (schema: string) =>
  `INSERT INTO ${schema}.streams AS t (stream, revision) VALUES ($1::text, $2::int - 1)
   ON CONFLICT (stream) DO UPDATE SET revision = t.revision + $2::int, deleted = NULL
    WHERE t.deleted IS DISTINCT FROM 'hard' AND (t.deleted IS NOT NULL OR t.revision < 0)
   RETURNING t.revision - $2::int + 1 AS first`;
const MOVE_ANY = (schema: string) =>
  `INSERT INTO ${schema}.streams AS t (stream, revision) VALUES ($1::text, $2::int - 1)
   ON CONFLICT (stream) DO UPDATE SET revision = t.revision + $2::int, deleted = NULL WHERE t.deleted IS DISTINCT FROM 'hard'
   RETURNING t.revision - $2::int + 1 AS first`;

/**
 * The statement for one part, named per expectation kind and for one event or several (each is
 * prepared once per connection; `texts` keeps the store's texts by name, built once, as appends are
 * the hottest path). Positions are taken in event order: nextval is computed row by
 * row as the rows come out of unnest, in the call's order (which the ORDER BY states), so
 * positions ascend with revisions (postgres-settled.test.ts appends batches and checks it).
 * `schema` is the store's schema, quoted for SQL. With `readBack` (an inline append), the
 * one-event statement returns the stored event and `holders` instead (a variant of its own name).
 */
export function fastAppend(schema: string, part: PreparedAppend, texts: Map<string, string>, readBack?: ReadBack): FastAppend {
  const { stream, category, events, expectedRevision } = part;
  const [kind, move] =
    typeof expectedRevision === 'number'
      ? ['exact', MOVE_EXACT]
      : expectedRevision === 'stream_exists'
        ? ['exists', MOVE_EXISTING]
        : expectedRevision === 'no_stream'
          ? ['no-stream', MOVE_NO_STREAM]
          : ['any', MOVE_ANY];
  const one = events.length === 1;
  const back = one && readBack !== undefined;
  const name = `annals:append-${kind}${one ? '-one' : ''}${back ? '-back' : ''}`;
  let text = texts.get(name);
  if (text === undefined) texts.set(name, (text = statementText(schema, move, one, back ? readBack : undefined)));
  const column = <T>(pick: (e: PreparedAppend['events'][number]) => T) => (one ? pick(events[0]!) : events.map(pick));
  return {
    name,
    text,
    values: [
      stream,
      events.length,
      category,
      column((e) => e.id),
      column((e) => e.type),
      column((e) => e.data),
      column((e) => e.metadata),
      ...(typeof expectedRevision === 'number' ? [expectedRevision] : []),
    ],
  };
}

/**
 * What the one-event statement of an inline append returns besides (readBack): the event's
 * columns and an expression evaluated once the row is inserted (in RETURNING: after its nextval).
 */
export interface ReadBack {
  /** The columns of the stored event, as the log reads them. */
  readonly columns: string;
  /** An expression in RETURNING (the inline gate's first look: inline-gate.ts), as `holders`. */
  readonly holders: string;
}

function statementText(schema: string, move: (schema: string) => string, one: boolean, readBack?: ReadBack): string {
  // One event: plain values, no unnest, no aggregate (the common case, and the cheapest statement).
  return one
    ? `WITH st AS (${move(schema)})
       INSERT INTO ${schema}.events (position, id, stream, category, revision, type, data, metadata, recorded_at)
       SELECT nextval('${schema}.positions'), $4::uuid, $1::text, $3::text, st.first, $5::text, $6::text::json, $7::text::json, now() FROM st
       RETURNING ${readBack === undefined ? 'revision, position' : `${readBack.columns}, (${readBack.holders}) AS holders`}`
    : `WITH st AS (${move(schema)}),
       ins AS (
         INSERT INTO ${schema}.events (position, id, stream, category, revision, type, data, metadata, recorded_at)
         SELECT nextval('${schema}.positions'), x.id, $1::text, $3::text, st.first + x.ord - 1, x.type, x.data::json, x.meta::json, now()
           FROM st, unnest($4::uuid[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS x(id, type, data, meta, ord)
          ORDER BY x.ord
         RETURNING revision, position)
       SELECT max(revision) AS revision, max(position) AS position FROM ins`;
}
