import { NOW_MS_LUA } from './common.js';

/**
 * The state row's lease, its release, and the live version's switch: compare-and-set steps
 * decided inside Redis, on its clock (TIME), with the rules of the memory read models.
 */

/** Reads the state hash into the reply shape of stateReply (read-model-state.ts): c, has owner, o, e, x, u. */
const STATE_LUA = `${NOW_MS_LUA}local function state_reply(key)
  local v = redis.call('HMGET', key, 'c', 'o', 'e', 'x', 'u')
  return { v[1] or '0', v[2] and 1 or 0, v[2] or '', v[3] or '0', v[4] or '0', v[5] or '0' }
end
`;

/**
 * Takes the lease when it is free or expired (epoch + 1), or renews it when ARGV owner holds it at
 * ARGV epoch; creates the row (checkpoint 0) when missing.
 * KEYS: state hash, the projection's set of state rows. ARGV: owner, ttl ms, epoch ('' for none),
 * the row's member of the set. Returns {held (0/1), now (ms), then the state as state_reply}.
 */
export const READ_MODEL_LEASE_LUA = `#!lua
${STATE_LUA}
local key, owner, ttl = KEYS[1], ARGV[1], tonumber(ARGV[2])
local now = now_ms()
local v = redis.call('HMGET', key, 'c', 'o', 'e', 'x')
local epoch, expires = tonumber(v[3]) or 0, tonumber(v[4]) or 0
local renewing = ARGV[3] ~= '' and v[2] == owner and epoch == tonumber(ARGV[3])
local free = (not v[2]) or expires <= now
local until_ms = string.format('%d', now + ttl)
if renewing then
  redis.call('HSET', key, 'x', until_ms)
elseif free then
  redis.call('HSET', key, 'o', owner, 'e', string.format('%d', epoch + 1), 'x', until_ms)
end
if not v[1] then redis.call('HSET', key, 'c', '0') end
redis.call('SADD', KEYS[2], ARGV[4])
local reply = { (renewing or free) and 1 or 0, string.format('%d', now) }
for _, value in ipairs(state_reply(key)) do reply[#reply + 1] = value end
return reply
`;

/**
 * Gives the lease up when ARGV owner holds it at ARGV epoch: no owner, expired (0), epoch kept.
 * KEYS: state hash. ARGV: owner, epoch. Returns 1 when released, 0 otherwise.
 */
export const READ_MODEL_RELEASE_LUA = `#!lua
local v = redis.call('HMGET', KEYS[1], 'o', 'e')
if v[1] ~= ARGV[1] or (tonumber(v[2]) or 0) ~= tonumber(ARGV[2]) then return 0 end
redis.call('HDEL', KEYS[1], 'o')
redis.call('HSET', KEYS[1], 'x', '0')
return 1
`;

/**
 * Makes a version live when the live one is still the expected one.
 * KEYS: the live versions' hash. ARGV: projection, version, expected ('' for none).
 * Returns 1 when it switched, 0 otherwise.
 */
export const READ_MODEL_PROMOTE_LUA = `#!lua
local live = redis.call('HGET', KEYS[1], ARGV[1])
if (live or '') ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;
