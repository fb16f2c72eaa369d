import { COMMON_LUA } from './common.js';

/**
 * Appends to one or more streams in one atomic step, all or nothing.
 *
 * KEYS: log, ids, positions counter, then for each part its stream key and state key.
 * ARGV: number of parts; the prefix of the store-made ids of this call (21 random characters,
 *       see src/redis/made-ids.ts; '' when every id was given); for each part: stream name, expected revision
 *       (text), event count, '1' when any of its ids was given by the caller ('0' when the store
 *       makes them all: an id not made yet cannot be recorded, so the look-up is skipped);
 *       then for each of its events: id ('' for the store to make it), type, data (JSON),
 *       metadata (JSON).
 * Given ids are recorded in the id index and in the log entry's 'i'. A store-made id is not
 * indexed: its log entry holds its prefix in 'i', and the reader appends the position.
 * Returns, for each part in turn, its last revision and last position (written, or found by an
 * idempotent retry), in one flat array.
 *
 * Every part is checked before the first write: hard deletion, then idempotency (the call's
 * ids already recorded), then the expected revision. Only then are positions taken from the
 * counter and the entries written.
 */
export const APPEND_LUA = `#!lua
${COMMON_LUA}
local log_key, ids_key, counter_key = KEYS[1], KEYS[2], KEYS[3]
-- unpack() takes at most a few thousand values: long calls go in chunks.
local CHUNK = 1000

local function hmget_all(key, fields)
  local out = {}
  for from = 1, #fields, CHUNK do
    local part = redis.call('HMGET', key, unpack(fields, from, math.min(from + CHUNK - 1, #fields)))
    for k = 1, #part do out[#out + 1] = part[k] end
  end
  return out
end

-- Where each of the part's ids is recorded (nil when it is not), and the first one found.
local function recorded_ids(part)
  local ids = {}
  for e = 0, part.count - 1 do ids[#ids + 1] = ARGV[part.first + 4 * e] end
  local positions = hmget_all(ids_key, ids)
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
  return recorded, first_found
end

-- A retry is idempotent when every id is recorded in this stream, consecutively, in the call's
-- order (and right after an exact expected revision); any other reuse is a duplicate.
local function idempotent_result(part, recorded, first_found)
  local first = recorded[1]
  for e = 1, part.count do
    local rec = recorded[e]
    local in_place = rec and first and rec.stream == part.stream and rec.revision == first.revision + e - 1
      and ((not is_revision(part.expected)) or first.revision == tonumber(part.expected) + 1)
    if not in_place then
      local culprit = rec or first_found
      fail('ANNALS_DUPLICATE_EVENT_ID', {
        eventId = culprit.id, stream = part.stream,
        existing = { stream = culprit.stream, revision = int(culprit.revision), position = culprit.position },
      })
    end
  end
  local last = recorded[part.count]
  return { last.revision, tonumber(last.position) }
end

local made_prefix = ARGV[2]
local parts, a = {}, 3
for p = 1, tonumber(ARGV[1]) do
  local part = {
    stream = ARGV[a], expected = ARGV[a + 1], count = tonumber(ARGV[a + 2]), given = ARGV[a + 3] == '1', first = a + 4,
    stream_key = KEYS[2 + 2 * p], meta_key = KEYS[3 + 2 * p],
  }
  a = part.first + 4 * part.count
  parts[p] = part
end

-- 1. Decide every part; nothing is written yet.
local total = 0
for _, part in ipairs(parts) do
  part.state = load_state(part.stream, part.meta_key)
  refuse_hard_deleted(part.state)
  local recorded, first_found = nil, nil
  if part.given then recorded, first_found = recorded_ids(part) end
  if first_found then
    part.result = idempotent_result(part, recorded, first_found)
  else
    check_expected(part.state, part.expected)
    total = total + part.count
  end
end

-- 2. Write. Positions come from one INCRBY, in part and event order.
-- This loop runs once per event. Every number it hands to Redis is formatted here with int()
-- ('%d'): a Lua number given to redis.call, or concatenated, is formatted as a double ('%.17g'
-- or '%.14g'), which costs more than the integer formatting and, for '%.14g', loses digits.
if total > 0 then
  local call, argv = redis.call, ARGV
  local position = call('INCRBY', counter_key, total) - total
  local now = call('TIME')
  local recorded_at = int(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
  local id_pairs, n = {}, 0
  for _, part in ipairs(parts) do
    if not part.result then
      local stream, revision, k = part.stream, part.state.revision, part.first
      local first_revision, first_position = int(revision + 1), int(position + 1)
      for _ = 1, part.count do
        position = position + 1
        revision = revision + 1
        local pos, id = int(position), argv[k]
        if id == '' then
          -- A store-made id: the entry holds its prefix, and its position is the entry's id.
          id = made_prefix
        else
          id_pairs[n + 1] = id
          id_pairs[n + 2] = pos
          n = n + 2
        end
        call('XADD', log_key, pos .. '-0',
          'i', id, 's', stream, 'r', int(revision), 't', argv[k + 1], 'd', argv[k + 2], 'm', argv[k + 3], 'a', recorded_at)
        k = k + 4
      end
      -- One pointer per append: its events have consecutive revisions and consecutive positions.
      call('XADD', part.stream_key, first_revision .. '-1', 'p', first_position, 'n', int(part.count))
      call('HSET', part.meta_key, 'r', int(revision))
      if part.state.deleted then call('HDEL', part.meta_key, 'd') end
      part.result = { revision, position }
    end
  end
  for from = 1, n, 2 * CHUNK do
    call('HSET', ids_key, unpack(id_pairs, from, math.min(from + 2 * CHUNK - 1, n)))
  end
end
-- Flat, { revision, position } per part: cheaper to encode and to parse than nested arrays.
local results = {}
for p, part in ipairs(parts) do
  results[2 * p - 1] = part.result[1]
  results[2 * p] = part.result[2]
end
return results
`;
