import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../core/errors.js';

/**
 * Imports the application's module given to an option (`--schemas`, `--projections`): its built
 * JavaScript, relative to the current directory. A module that cannot be imported is
 * ANNALS_INVALID_ARGUMENT naming the option, with the reason.
 */
export async function importUserModule(option: string, path: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidArgumentError(option, path, `a JavaScript module that can be imported (importing it failed: ${reason})`);
  }
}
