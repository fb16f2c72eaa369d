import { COMMON_LUA, MADE_IDS_LUA } from './common.js';

/**
 * Appends to one or more streams in one atomic step, all or nothing.
 *
 * KEYS: log, ids, positions counter, then for each part its stream key and state key.
 * ARGV: number of parts; the prefix of the store-made ids of this call (21 random characters,
 *       see src/adapters/redis/made-ids.ts; '' when every id was given); for each part: stream name, expected revision
 *       (text), event count, '1' when any of its ids was given by the caller ('0' when the store
 *       makes them all: an id not made yet cannot be recorded, so the look-up is skipped);
 *       then for each of its events: id ('' for the store to make it), type, data (JSON),
 *       metadata (JSON).
 * Given ids are recorded in the id index and in the log entry's 'i'. A store-made id is not
 * indexed: its log entry holds its prefix in 'i', and the reader appends the position.
 * Returns, for each part in turn, its last revision and last position (written, or found by an
 * idempotent retry), in one flat array of integers as text.
 *
 * Every part is checked before the first write: hard deletion, then idempotency (the call's
 * ids already recorded), then the expected revision. Only then are positions taken from the
 * counter and the entries written.
 */
export const APPEND_LUA = `#!lua
${COMMON_LUA}
${MADE_IDS_LUA}
local log_key, ids_key, counter_key = KEYS[1], KEYS[2], KEYS[3]
-- unpack() takes at most a few thousand values: long calls go in chunks.
local CHUNK = 1000

-- Whether the part's given ids are recorded already. true: an idempotent retry, whose original
-- result is now the part's (last_revision, last_position); false: none of them is recorded;
-- ANNALS_DUPLICATE_EVENT_ID when they are recorded anywhere else. Only parts with given ids
-- come here, and everything this needs is made here, not on every call.
local function retried(part)
  local ids = {}
  for e = 0, part.count - 1 do ids[#ids + 1] = ARGV[part.first + 4 * e] end
  local positions = {}
  for from = 1, #ids, CHUNK do
    local found = redis.call('HMGET', ids_key, unpack(ids, from, math.min(from + CHUNK - 1, #ids)))
    for k = 1, #found do positions[#positions + 1] = found[k] end
  end
  -- Where each id is recorded (nil when it is not), and the first one found.
  local recorded, first_found = {}, nil
  for e = 1, part.count do
    local position = positions[e]
    local entry = position and log_entry(log_key, position)
    if not entry and ids[e] ~= '' then
      -- A store-made id given back (an event read and appended again) is where it says it is.
      entry = made_id_entry(log_key, ids[e])
      if entry then position = string.sub(entry[1], 1, -3) end
    end
    if entry then
      local rec = { id = ids[e], stream = field(entry[2], 's'), revision = tonumber(field(entry[2], 'r')), position = position }
      recorded[e] = rec
      first_found = first_found or rec
    end
  end
  if not first_found then return false end
  -- A retry is idempotent when every id is recorded in this stream, consecutively, in the call's
  -- order (and right after an exact expected revision); any other reuse is a duplicate.
  local first = recorded[1]
  local exact = string.find(part.expected, '^%d+$') ~= nil
  for e = 1, part.count do
    local rec = recorded[e]
    local in_place = rec and first and rec.stream == part.stream and rec.revision == first.revision + e - 1
      and ((not exact) or first.revision == tonumber(part.expected) + 1)
    if not in_place then
      local culprit = rec or first_found
      fail('ANNALS_DUPLICATE_EVENT_ID', {
        eventId = culprit.id, stream = part.stream,
        existing = { stream = culprit.stream, revision = int(culprit.revision), position = culprit.position },
      })
    end
  end
  local last = recorded[part.count]
  part.last_revision, part.last_position = last.revision, tonumber(last.position)
  return true
end

local made_prefix = ARGV[2]
local parts, a = {}, 3
for p = 1, tonumber(ARGV[1]) do
  local count = ARGV[a + 2]
  local part = {
    stream = ARGV[a], expected = ARGV[a + 1], count_text = count, count = tonumber(count), given = ARGV[a + 3] == '1',
    first = a + 4, stream_key = KEYS[2 + 2 * p], meta_key = KEYS[3 + 2 * p],
  }
  a = part.first + 4 * part.count
  parts[p] = part
end

-- 1. Decide every part; nothing is written yet. A part is its own state (load_state).
local total = 0
for p = 1, #parts do
  local part = load_state(parts[p], parts[p].meta_key)
  refuse_hard_deleted(part)
  part.done = part.given and retried(part)
  if not part.done then
    check_expected(part, part.expected)
    total = total + part.count
  end
end

-- 2. Write. Positions come from one INCRBY, in part and event order.
-- This loop runs once per event. Every number it hands to Redis is formatted here with '%d':
-- a Lua number given to redis.call, or concatenated, is formatted as a double ('%.17g' or
-- '%.14g'), which costs more than the integer formatting and, for '%.14g', loses digits.
-- Each number is formatted once: at one event per append, formatting is a good part of the
-- script's own time.
if total > 0 then
  local call, argv, format = redis.call, ARGV, string.format
  local position = call('INCRBY', counter_key, total) - total
  local now = call('TIME')
  local recorded_at = int(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
  local id_pairs, n = {}, 0
  for p = 1, #parts do
    local part = parts[p]
    if not part.done then
      local stream, revision, k = part.stream, part.revision, part.first
      local first_position, first_revision, rev = int(position + 1), nil, nil
      for _ = 1, part.count do
        position = position + 1
        revision = revision + 1
        rev = int(revision)
        first_revision = first_revision or rev
        local id = argv[k]
        if id == '' then
          -- A store-made id: the entry holds its prefix, and its position is the entry's id.
          id = made_prefix
        else
          id_pairs[n + 1] = id
          id_pairs[n + 2] = int(position)
          n = n + 2
        end
        call('XADD', log_key, format('%d-0', position),
          'i', id, 's', stream, 'r', rev, 't', argv[k + 1], 'd', argv[k + 2], 'm', argv[k + 3], 'a', recorded_at)
        k = k + 4
      end
      -- One pointer per append: its events have consecutive revisions and consecutive positions.
      call('XADD', part.stream_key, first_revision .. '-1', 'p', first_position, 'n', part.count_text)
      call('HSET', part.meta_key, 'r', rev)
      if part.deleted then call('HDEL', part.meta_key, 'd') end
      part.last_revision, part.last_position = revision, position
    end
  end
  for from = 1, n, 2 * CHUNK do
    call('HSET', ids_key, unpack(id_pairs, from, math.min(from + 2 * CHUNK - 1, n)))
  end
end
-- Flat, { revision, position } per part: cheaper to encode and to parse than nested arrays.
-- As text: ioredis reads integer replies past 2^52 inexactly (9007199254740991 as ...992).
local results = {}
for p = 1, #parts do
  results[2 * p - 1] = int(parts[p].last_revision)
  results[2 * p] = int(parts[p].last_position)
end
return results
`;
