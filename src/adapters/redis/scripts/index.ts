import { luaScript } from '../script-runner.js';
import { APPEND_LUA } from './append.js';
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

export const ALL_SCRIPTS = Object.values(SCRIPTS);
