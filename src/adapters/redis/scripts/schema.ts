/** The version of the key layout this code writes. */
export const REDIS_SCHEMA_VERSION = 2;

/**
 * The version of the store's key layout, checked and recorded when a store opens (open.ts).
 * Version 1 is the layout before store-made ids (no marker: a store with a position counter);
 * version 2 adds them (made-ids.ts). Going from 1 to 2 changes no data: version 2 reads what
 * version 1 wrote. A store at a higher version than this code writes is left as it is.
 *
 * KEYS: schema, positions counter. ARGV: the version this code writes.
 * Returns the version found: 0 for a new store.
 */
export const SCHEMA_LUA = `#!lua
local found = tonumber(redis.call('GET', KEYS[1]))
if not found then
  if redis.call('EXISTS', KEYS[2]) == 1 then found = 1 else found = 0 end
end
if found < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return found
`;
