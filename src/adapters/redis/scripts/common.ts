/**
 * Lua shared by the scripts that decide: how a stream's state is read, how an expected
 * revision is checked, and how a refusal is reported. The rules are those of
 * src/backend/stream-rules.ts, written a second time in the language Redis runs atomically.
 *
 * Refusals are raised as `ANNALS_<CODE> <json facts>` before the script's first write, so a
 * refused call writes nothing (Redis does not roll a script back). Numbers in the facts are
 * formatted as integer strings: Lua's own number formatting keeps only 14 digits.
 */
export const COMMON_LUA = `
local function int(n) return string.format('%d', n) end

local function fail(code, facts)
  error({ err = code .. ' ' .. cjson.encode(facts) })
end

-- Reads the stream's state hash (r = last revision, d = 'soft'/'hard' when deleted, t = first
-- revision kept) into 'st', a table that names the stream in st.stream, and returns it.
local function load_state(st, meta_key)
  local v = redis.call('HMGET', meta_key, 'r', 'd', 't')
  local revision = tonumber(v[1]) or -1
  local deleted = v[2] or false
  st.revision = revision
  st.deleted = deleted
  st.exists = (not deleted) and revision >= 0
  st.truncated = tonumber(v[3]) or 0
  return st
end

-- expected: 'any' | 'no_stream' | 'stream_exists' | the exact revision, as text.
local function check_expected(st, expected)
  local ok = expected == 'any'
    or (expected == 'no_stream' and not st.exists)
    or (expected == 'stream_exists' and st.exists)
    or (st.exists and expected == int(st.revision))
  if not ok then
    fail('ANNALS_WRONG_EXPECTED_REVISION', {
      stream = st.stream, expected = expected, actual = int(st.exists and st.revision or -1),
    })
  end
end

local function refuse_hard_deleted(st)
  if st.deleted == 'hard' then fail('ANNALS_STREAM_DELETED', { stream = st.stream }) end
end

-- A field of a log entry's flat field list.
local function field(fields, name)
  for k = 1, #fields, 2 do
    if fields[k] == name then return fields[k + 1] end
  end
  return nil
end

-- The log entry at a position (given as text), or nil.
local function log_entry(log_key, position)
  local id = position .. '-0'
  return redis.call('XRANGE', log_key, id, id)[1]
end
`;

/** A pointer entry of a stream's Redis Stream, read by the scripts that follow pointers into the log. */
export const POINTER_LUA = `
-- A pointer of a stream's Redis Stream, one per append: its first revision (the entry id
-- is '<revision>-1'), the first position and the number of events, all consecutive.
local function pointer(entry)
  return tonumber(string.sub(entry[1], 1, -3)), tonumber(field(entry[2], 'p')), tonumber(field(entry[2], 'n'))
end
`;

/** Store-made ids (src/adapters/redis/made-ids.ts), for the scripts that find events by id. Needs COMMON_LUA. */
export const MADE_IDS_LUA = `
-- Store-made event ids (src/adapters/redis/made-ids.ts): a version-8 UUID,
-- 'RRRRRRRR-RRRR-8RRR-8RPP-PPPPPPPPPPPP', whose first 21 characters (its prefix: random, one draw per append) are what its log entry
-- holds in 'i', and whose last 14 hex digits are the event's position, the entry's own id.
-- The log entry of the store-made id 'id', or nil when 'id' is not store-made or its event is
-- not (or no longer) in the log. A caller may give any UUID, so the entry's prefix is compared.
local TWO_POW_48 = 281474976710656
local MADE_PREFIX_LENGTH = 21
local MADE_SHAPE = '^%x%x%x%x%x%x%x%x%-%x%x%x%x%-8%x%x%x%-8%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$'
local function made_id_entry(log_key, id)
  -- The whole shape first: tonumber(s, 16) would also take spaces, signs and '0x'.
  if not string.find(id, MADE_SHAPE) then return nil end
  local high, low = tonumber(string.sub(id, 22, 23), 16), tonumber(string.sub(id, 25, 36), 16)
  local entry = log_entry(log_key, int(high * TWO_POW_48 + low))
  if entry and field(entry[2], 'i') == string.sub(id, 1, MADE_PREFIX_LENGTH) then return entry end
  return nil
end
`;

/** The server's clock in ms (TIME), for the read models' leases and group heartbeats: one clock for every process. */
export const NOW_MS_LUA = `
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
`;
