import { NOW_MS_LUA } from './common.js';

/**
 * The members of a consumer group: one hash per group (`<base>rm:g:<projection>:v<version>`),
 * member id → `<joined at>:<heartbeat at>:<expires at>` (ms, the server's clock, TIME). Lua
 * compares no strings here: the caller sorts the members by id (code point order).
 */

/** The server's clock in ms, and a member's row read back as its three times. */
const GROUP_LUA = `${NOW_MS_LUA}local function times(row)
  local joined, beat, expires = string.match(row, '^(-?%d+):(-?%d+):(-?%d+)$')
  return joined, beat, tonumber(expires)
end
`;

/**
 * A heartbeat: writes the member's row (keeping its join time), forgets the rows expired more than
 * ARGV forget ms ago, and lets the hash expire with its last row (that long after the latest
 * expiry), so a group that stops leaves no key behind.
 * KEYS: the group's hash. ARGV: member, ttl ms, forget ms.
 * Returns {now, then member, joined at, heartbeat at, expires at of each member not expired}.
 */
export const READ_MODEL_HEARTBEAT_LUA = `#!lua
${GROUP_LUA}
local key, member, forget = KEYS[1], ARGV[1], tonumber(ARGV[3])
local now = now_ms()
local found = redis.call('HGET', key, member)
local joined = found and times(found) or string.format('%d', now)
redis.call('HSET', key, member, joined .. ':' .. string.format('%d', now) .. ':' .. string.format('%d', now + tonumber(ARGV[2])))
local rows = redis.call('HGETALL', key)
local reply, latest = { string.format('%d', now) }, now
for i = 1, #rows, 2 do
  local j, h, x = times(rows[i + 1])
  if x < now - forget then
    redis.call('HDEL', key, rows[i])
  else
    if x > latest then latest = x end
    if x > now then
      for _, value in ipairs({ rows[i], j, h, string.format('%d', x) }) do reply[#reply + 1] = value end
    end
  end
end
redis.call('PEXPIREAT', key, string.format('%d', latest + forget + 1))
return reply
`;

/**
 * Every row of the group, expired ones too, and the clock: read-only.
 * KEYS: the group's hash. Returns {now, then member, joined at, heartbeat at, expires at of each}.
 */
export const READ_MODEL_GROUP_MEMBERS_LUA = `#!lua
${GROUP_LUA}
local rows = redis.call('HGETALL', KEYS[1])
local reply = { string.format('%d', now_ms()) }
for i = 1, #rows, 2 do
  local j, h, x = times(rows[i + 1])
  for _, value in ipairs({ rows[i], j, h, string.format('%d', x) }) do reply[#reply + 1] = value end
end
return reply
`;
