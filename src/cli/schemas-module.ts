import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../core/errors.js';
import { isEventSchemas, type EventSchemas } from '../schemas/event-schemas.js';

/**
 * The event schemas exported by the application's module (its built JavaScript, e.g.
 * `./dist/events.js`, relative to the current directory): the export `name`, or else the default
 * export, or else the one export that defineEvents made.
 */
export async function loadSchemasModule(path: string, name?: string): Promise<EventSchemas> {
  const url = pathToFileURL(resolve(path)).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidArgumentError('--schemas', path, `a JavaScript module that can be imported (importing it failed: ${reason})`);
  }
  if (name !== undefined) {
    if (isEventSchemas(module[name])) return module[name];
    throw new InvalidArgumentError('--schemas-export', name, `the name of an export of ${path} made by defineEvents`);
  }
  if (isEventSchemas(module.default)) return module.default;
  const found = Object.entries(module).filter(([, value]) => isEventSchemas(value));
  if (found.length === 1) return found[0]![1] as EventSchemas;
  throw new InvalidArgumentError(
    '--schemas',
    path,
    found.length === 0
      ? 'a module that exports event schemas made by defineEvents({ … })'
      : `one export of event schemas, or --schemas-export to choose among ${found.map(([key]) => key).join(', ')}`,
  );
}
