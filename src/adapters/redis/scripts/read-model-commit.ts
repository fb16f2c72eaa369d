/**
 * A projection batch in one atomic step (src/adapters/redis/read-model-commit-call.ts builds the
 * call; key names in src/adapters/redis/read-model-keys.ts).
 *
 * KEYS: state hash, dead letters, the projection's set of state rows, then for each collection
 *       of the batch: documents, ids, index entries, index catalogue, then one key per index.
 * ARGV: from, checkpoint, lease owner ('' for none), lease epoch, ttl ms ('' for none), the
 *       row's member of the states set, channel; the number of collections, and for each its
 *       number of indexes and their tags; the number of writes, and for each:
 *       'p', collection (1-based), id, JSON, then one member per index ('' when the field is
 *       missing or null) — or 'd', collection, id; the number of positions to un-park, and
 *       each; the number of dead letters to park, and for each its position and JSON (a
 *       position parked already is replaced: one member per position).
 * Returns {1} when written, or {0, row exists (0/1), checkpoint, has owner (0/1), owner, epoch}
 * when the compare-and-set fails, before any write.
 *
 * The compare-and-set comes first and the script writes nothing when it fails (Redis does not
 * roll a script back). The clock is the server's (TIME): Redis 7 replicates a script's effects,
 * not the script, so a non-deterministic command is allowed. Lua compares strings here only for
 * equality: `<` on strings would follow the server's locale (strcoll), not bytes.
 */
export const READ_MODEL_COMMIT_LUA = `#!lua
local state, letters, rows = KEYS[1], KEYS[2], KEYS[3]
local v = redis.call('HMGET', state, 'c', 'o', 'e')
local owner = ARGV[3]
if (tonumber(v[1]) or 0) ~= tonumber(ARGV[1])
  or (owner ~= '' and (v[2] ~= owner or (tonumber(v[3]) or 0) ~= tonumber(ARGV[4]))) then
  return { 0, redis.call('EXISTS', state), v[1] or '0', v[2] and 1 or 0, v[2] or '', v[3] or '0' }
end

local a, k = 9, 4
local collections = {}
for c = 1, tonumber(ARGV[8]) do
  local col = { docs = KEYS[k], ids = KEYS[k + 1], entries = KEYS[k + 2], tags = {}, sets = {} }
  local catalogue = KEYS[k + 3]
  k = k + 4
  for i = 1, tonumber(ARGV[a]) do
    local tag = ARGV[a + i]
    col.tags[i] = tag
    col.sets[tag] = KEYS[k]
    k = k + 1
  end
  a = a + 1 + #col.tags
  if #col.tags > 0 then redis.call('SADD', catalogue, unpack(col.tags)) end
  collections[c] = col
end

-- The index members the document had: tag → member (an empty table when none).
local function entries_of(col, id)
  local packed = redis.call('HGET', col.entries, id)
  if packed then return cmsgpack.unpack(packed) end
  return {}
end

-- Removes the members the document had that it no longer has. An index the collection no
-- longer declares has no key in KEYS: its members are left for drop to remove with it.
local function unindex(col, old, new)
  for tag, member in pairs(old) do
    local set = col.sets[tag]
    if set and new[tag] ~= member then redis.call('ZREM', set, member) end
  end
end

for _ = 1, tonumber(ARGV[a]) do
  local op, col, id = ARGV[a + 1], collections[tonumber(ARGV[a + 2])], ARGV[a + 3]
  local old = entries_of(col, id)
  if op == 'p' then
    local json = ARGV[a + 4]
    a = a + 4
    local new, any = {}, false
    for i = 1, #col.tags do
      local member = ARGV[a + i]
      if member ~= '' then
        new[col.tags[i]] = member
        any = true
      end
    end
    a = a + #col.tags
    unindex(col, old, new)
    for tag, member in pairs(new) do
      if old[tag] ~= member then redis.call('ZADD', col.sets[tag], 0, member) end
    end
    if redis.call('HSET', col.docs, id, json) == 1 then redis.call('ZADD', col.ids, 0, id) end
    if any then
      redis.call('HSET', col.entries, id, cmsgpack.pack(new))
    elseif next(old) ~= nil then
      redis.call('HDEL', col.entries, id)
    end
  else
    a = a + 3
    unindex(col, old, {})
    if redis.call('HDEL', col.docs, id) == 1 then redis.call('ZREM', col.ids, id) end
    if next(old) ~= nil then redis.call('HDEL', col.entries, id) end
  end
end

a = a + 1
for i = 1, tonumber(ARGV[a]) do
  redis.call('ZREMRANGEBYSCORE', letters, ARGV[a + i], ARGV[a + i])
end
a = a + 1 + tonumber(ARGV[a])
for _ = 1, tonumber(ARGV[a]) do
  redis.call('ZREMRANGEBYSCORE', letters, ARGV[a + 1], ARGV[a + 1])
  redis.call('ZADD', letters, ARGV[a + 1], ARGV[a + 2])
  a = a + 2
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', state, 'c', ARGV[2], 'u', string.format('%d', now))
if owner ~= '' and ARGV[5] ~= '' then
  redis.call('HSET', state, 'x', string.format('%d', now + tonumber(ARGV[5])))
end
redis.call('SADD', rows, ARGV[6])
redis.call('PUBLISH', ARGV[7], ARGV[2])
return { 1 }
`;
