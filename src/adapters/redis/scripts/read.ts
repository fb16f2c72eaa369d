import { COMMON_LUA, MADE_IDS_LUA, POINTER_LUA } from './common.js';

/**
 * A page of one stream: its pointers (one per append), each turned into the log entries it
 * points to, in one atomic read (a delete cannot land between the two). Revisions below the
 * truncation point are skipped: their log entries are gone. KEYS: stream, state, log.
 * ARGV: first revision (inclusive), 'f' (forwards) or 'b' (backwards), page size.
 * Returns log entries as XRANGE does.
 */
export const READ_STREAM_LUA = `#!lua flags=no-writes
${COMMON_LUA}
${POINTER_LUA}
local stream_key, meta_key, log_key = KEYS[1], KEYS[2], KEYS[3]
local from, limit = tonumber(ARGV[1]), tonumber(ARGV[3])
local kept_from = tonumber(redis.call('HGET', meta_key, 't')) or 0
local out = {}
local function take(entry, low, high, step)
  local first, position = pointer(entry)
  for revision = low, high, step do
    local logged = log_entry(log_key, int(position + revision - first))
    if logged then
      out[#out + 1] = logged
      if #out >= limit then return true end
    end
  end
  return false
end
if ARGV[2] == 'f' then
  from = math.max(from, kept_from)
  -- The pointer holding 'from' (the last one starting at or before it), then those after it.
  local holding = redis.call('XREVRANGE', stream_key, int(from), '-', 'COUNT', 1)
  local after = redis.call('XRANGE', stream_key, '(' .. int(from) .. '-1', '+', 'COUNT', limit)
  if holding[1] then table.insert(after, 1, holding[1]) end
  for _, entry in ipairs(after) do
    local first, _, count = pointer(entry)
    if take(entry, math.max(first, from), first + count - 1, 1) then break end
  end
else
  for _, entry in ipairs(redis.call('XREVRANGE', stream_key, int(from), '-', 'COUNT', limit)) do
    local first, _, count = pointer(entry)
    if take(entry, math.min(first + count - 1, from), math.max(first, kept_from), -1) then break end
  end
end
return out
`;

/**
 * One event by id: a store-made id names its position; any other id is looked up in the id
 * index. KEYS: ids, log. ARGV: event id. Returns its log entry, or nil.
 */
export const GET_EVENT_LUA = `#!lua flags=no-writes
${COMMON_LUA}
${MADE_IDS_LUA}
local made = made_id_entry(KEYS[2], ARGV[1])
if made then return made end
local position = redis.call('HGET', KEYS[1], ARGV[1])
if not position then return nil end
return log_entry(KEYS[2], position)
`;

/**
 * A filtered page of the log. The filter runs here, next to the data, so that events it
 * rejects never cross the network; each call looks at no more than `budget` entries, so a
 * rare filter over a long log is read in several short calls rather than one long one
 * (Redis runs nothing else while a script runs).
 *
 * KEYS: log. ARGV: after (exclusive position), limit, budget, category ('' for any),
 * then the accepted types (none for any).
 * Returns { last position looked at, 1 when the end of the log was reached else 0, entries… }.
 */
export const READ_ALL_FILTERED_LUA = `#!lua flags=no-writes
local log_key = KEYS[1]
local after, limit, budget, category = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local types = nil
if #ARGV > 4 then
  types = {}
  for k = 5, #ARGV do types[ARGV[k]] = true end
end
local out = { after, 0 }
local matched, seen = 0, 0
local start = '(' .. after .. '-0'
while true do
  local want = math.min(500, budget - seen)
  if want <= 0 then return out end
  local batch = redis.call('XRANGE', log_key, start, '+', 'COUNT', want)
  for _, entry in ipairs(batch) do
    seen = seen + 1
    local fields = entry[2]
    local stream, event_type
    for k = 1, #fields, 2 do
      local name = fields[k]
      if name == 's' then stream = fields[k + 1] elseif name == 't' then event_type = fields[k + 1] end
    end
    if (types == nil or types[event_type] == true) and (category == '' or string.match(stream, '^[^-]*') == category) then
      out[#out + 1] = entry
      matched = matched + 1
    end
    out[1] = string.sub(entry[1], 1, -3)
    if matched >= limit then return out end
  end
  if #batch < want then
    out[2] = 1
    return out
  end
  start = '(' .. batch[#batch][1]
end
return out
`;
