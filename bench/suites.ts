import { commandSuite } from './command.js';
import { groupsSuite } from './groups.js';
import type { Suite } from './lib/types.js';
import { postgresSuite } from './postgres.js';
import { projectionsSuite } from './projections.js';
import { redisSuite } from './redis.js';
import { sqliteSuite } from './sqlite.js';

/** Every suite `npm run bench` knows, by name, in the order they run by default. */
export const SUITES: readonly Suite[] = [sqliteSuite, commandSuite, postgresSuite, redisSuite, projectionsSuite, groupsSuite];

export function findSuite(name: string): Suite | undefined {
  return SUITES.find((suite) => suite.name === name);
}
