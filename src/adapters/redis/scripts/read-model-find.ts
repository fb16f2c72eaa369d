/**
 * The documents of a find: the index range's members (at most the limit, in ZRANGE BYLEX
 * order) and their JSON, read in one atomic step so that a concurrent commit cannot remove a
 * document between the two.
 * KEYS: the index (or ids) sorted set, the documents' hash. ARGV: min, max (ascending BYLEX
 * bounds), '1' for descending, limit, how members hold the id: 'n' (after 8 bytes), 's' (after
 * the first 0x00), 'i' (the member is the id).
 * Returns a flat list of id, JSON.
 */
export const READ_MODEL_FIND_LUA = `#!lua flags=no-writes
local members
if ARGV[3] == '1' then
  members = redis.call('ZRANGE', KEYS[1], ARGV[2], ARGV[1], 'BYLEX', 'REV', 'LIMIT', 0, ARGV[4])
else
  members = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'BYLEX', 'LIMIT', 0, ARGV[4])
end
if #members == 0 then return {} end
local ids, shape = {}, ARGV[5]
for i, member in ipairs(members) do
  if shape == 'n' then ids[i] = string.sub(member, 9)
  elseif shape == 's' then ids[i] = string.sub(member, string.find(member, '%z') + 1)
  else ids[i] = member end
end
local documents = redis.call('HMGET', KEYS[2], unpack(ids))
local reply = {}
for i = 1, #ids do
  reply[#reply + 1] = ids[i]
  reply[#reply + 1] = documents[i] or ''
end
return reply
`;
