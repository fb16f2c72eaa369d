import { InvalidArgumentError } from '../core/errors.js';
import { importUserModule } from './user-module.js';
import { isEventSchemas, type EventSchemas } from '../schemas/event-schemas.js';

/**
 * The event schemas exported by the application's module (its built JavaScript, e.g.
 * `./dist/events.js`, relative to the current directory): the export `name`, or else the default
 * export, or else the one export that defineEvents made.
 */
export async function loadSchemasModule(path: string, name?: string): Promise<EventSchemas> {
  const module = await importUserModule('--schemas', path);
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
