/**
 * Saves a stream's snapshot unless the stored one has a higher revision (concurrent savers
 * never move it back). KEYS: snapshot. ARGV: revision, version (JSON), state (JSON), saved at (ms).
 */
export const SAVE_SNAPSHOT_LUA = `#!lua
local stored = tonumber(redis.call('HGET', KEYS[1], 'r'))
if stored and stored > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1], 'v', ARGV[2], 's', ARGV[3], 't', ARGV[4])
return 1
`;
