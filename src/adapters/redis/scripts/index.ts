import { luaScript } from '../script-runner.js';
import { APPEND_LUA } from './append.js';
import { READ_MODEL_COMMIT_LUA } from './read-model-commit.js';
import { READ_MODEL_FIND_LUA } from './read-model-find.js';
import { READ_MODEL_GROUP_MEMBERS_LUA, READ_MODEL_HEARTBEAT_LUA } from './read-model-groups.js';
import { READ_MODEL_LEASE_LUA, READ_MODEL_PROMOTE_LUA, READ_MODEL_RELEASE_LUA } from './read-model-leases.js';
import { GET_EVENT_LUA, READ_ALL_FILTERED_LUA, READ_STREAM_LUA } from './read.js';
import { DELETE_LUA, TRUNCATE_LUA } from './remove.js';
import { SCHEMA_LUA } from './schema.js';
import { SAVE_SNAPSHOT_LUA } from './snapshot.js';

/** Every script the store runs, loaded once when it opens. */
export const SCRIPTS = {
  append: luaScript('append', APPEND_LUA),
  deleteStream: luaScript('delete', DELETE_LUA),
  truncateStream: luaScript('truncate', TRUNCATE_LUA),
  readStream: luaScript('read-stream', READ_STREAM_LUA),
  readAllFiltered: luaScript('read-all-filtered', READ_ALL_FILTERED_LUA),
  getEvent: luaScript('get-event', GET_EVENT_LUA),
  saveSnapshot: luaScript('save-snapshot', SAVE_SNAPSHOT_LUA),
  schema: luaScript('schema', SCHEMA_LUA),
} as const;

/** The scripts of the read models (the query store), loaded with the others, or alone by openRedisReadModels. */
export const READ_MODEL_SCRIPTS = {
  commit: luaScript('read-model-commit', READ_MODEL_COMMIT_LUA),
  find: luaScript('read-model-find', READ_MODEL_FIND_LUA),
  lease: luaScript('read-model-lease', READ_MODEL_LEASE_LUA),
  release: luaScript('read-model-release', READ_MODEL_RELEASE_LUA),
  promote: luaScript('read-model-promote', READ_MODEL_PROMOTE_LUA),
  heartbeat: luaScript('read-model-heartbeat', READ_MODEL_HEARTBEAT_LUA),
  groupMembers: luaScript('read-model-group-members', READ_MODEL_GROUP_MEMBERS_LUA),
} as const;

export const ALL_SCRIPTS = [...Object.values(SCRIPTS), ...Object.values(READ_MODEL_SCRIPTS)];
