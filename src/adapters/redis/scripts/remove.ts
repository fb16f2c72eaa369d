import { COMMON_LUA, MADE_IDS_LUA, POINTER_LUA } from './common.js';

/**
 * Lua that removes a range of a stream's revisions physically: the log entries, their given
 * ids in the id index (store-made ones are not there), and the stream's pointers that no longer point at anything. Other events keep their
 * positions; the position counter is untouched, so positions are never reused.
 */
const REMOVE_LUA = `
-- The id a caller gave, as the id index holds it; nil for a store-made id (its log entry holds
-- its prefix only). Needs MADE_IDS_LUA.
local function given_id(logged_id)
  if #logged_id == MADE_PREFIX_LENGTH then return nil end
  return logged_id
end

-- Removes revisions from 'from' (the first not yet removed) to 'before' - 1.
local function remove_range(stream_key, log_key, ids_key, from, before)
  if before <= from then return end
  local start = '-'
  while true do
    local pointers = redis.call('XRANGE', stream_key, start, int(before - 1), 'COUNT', 100)
    if #pointers == 0 then break end
    local log_ids, event_ids, spent = {}, {}, {}
    for _, entry in ipairs(pointers) do
      local first, position, count = pointer(entry)
      for revision = math.max(first, from), math.min(first + count, before) - 1 do
        local id = int(position + revision - first)
        local logged = log_entry(log_key, id)
        if logged then
          log_ids[#log_ids + 1] = id .. '-0'
          local given = given_id(field(logged[2], 'i'))
          if given then event_ids[#event_ids + 1] = given end
        end
      end
      -- A pointer whose every revision is gone goes too; one that straddles 'before' stays.
      if first + count <= before then spent[#spent + 1] = entry[1] end
    end
    for k = 1, #log_ids, 500 do
      redis.call('XDEL', log_key, unpack(log_ids, k, math.min(k + 499, #log_ids)))
    end
    for k = 1, #event_ids, 500 do
      redis.call('HDEL', ids_key, unpack(event_ids, k, math.min(k + 499, #event_ids)))
    end
    if #spent > 0 then redis.call('XDEL', stream_key, unpack(spent)) end
    start = '(' .. pointers[#pointers][1]
  end
end
`;

/**
 * Soft or hard delete. KEYS: stream, state, log, ids, snapshot. ARGV: stream name, 'soft'|'hard', expected revision.
 * A soft delete of a stream without events does nothing; a hard delete tombstones any stream.
 */
export const DELETE_LUA = `#!lua
${COMMON_LUA}
${POINTER_LUA}
${MADE_IDS_LUA}
${REMOVE_LUA}
local stream_key, meta_key, log_key, ids_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local stream, mode, expected = ARGV[1], ARGV[2], ARGV[3]
local st = load_state({ stream = stream }, meta_key)
refuse_hard_deleted(st)
check_expected(st, expected)
if mode == 'soft' and not st.exists then return 0 end
remove_range(stream_key, log_key, ids_key, st.truncated, st.revision + 1)
redis.call('DEL', stream_key, KEYS[5])
redis.call('HSET', meta_key, 'r', int(st.revision), 'd', mode, 't', int(st.revision + 1))
return 1
`;

/**
 * Truncate before a revision. KEYS: stream, state, log, ids, snapshot. ARGV: stream name, before.
 * The truncation point never moves back; the revision counter is unchanged.
 */
export const TRUNCATE_LUA = `#!lua
${COMMON_LUA}
${POINTER_LUA}
${MADE_IDS_LUA}
${REMOVE_LUA}
local stream_key, meta_key, log_key, ids_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local stream, before = ARGV[1], tonumber(ARGV[2])
local st = load_state({ stream = stream }, meta_key)
refuse_hard_deleted(st)
if not st.exists then fail('ANNALS_STREAM_NOT_FOUND', { stream = stream }) end
if before > st.revision + 1 then
  fail('ANNALS_INVALID_ARGUMENT', { stream = stream, before = int(before), revision = int(st.revision) })
end
local keep_from = math.max(st.truncated, before)
remove_range(stream_key, log_key, ids_key, st.truncated, keep_from)
redis.call('HSET', meta_key, 't', int(keep_from))
local snapshot_revision = tonumber(redis.call('HGET', KEYS[5], 'r'))
if snapshot_revision and snapshot_revision < keep_from then redis.call('DEL', KEYS[5]) end
return keep_from
`;
