import type { ProjectionKey } from './types.js';

/** A projection key as one string (`name:vN:partition`), for maps and key names. */
export function keyString(key: ProjectionKey): string {
  return `${key.projection}:v${key.version}:${key.partition}`;
}
