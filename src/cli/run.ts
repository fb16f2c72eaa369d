import type { Command } from 'commander';
import { openStore, type OpenStoreOptions } from '../core/open-store.js';
import type { EventStore } from '../core/event-store.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Projection } from '../projection/define-projection.js';
import type { EventSchemas } from '../schemas/event-schemas.js';
import { Output } from './output.js';
import { loadProjectionsModule } from './projections-module.js';
import { loadSchemasModule } from './schemas-module.js';

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  readonly store: string;
  /** A module exporting the application's event schemas (defineEvents). */
  readonly schemas?: string;
  readonly schemasExport?: string;
  /** A module exporting the application's projections (defineProjection, …). */
  readonly projections?: string;
  readonly projectionsExport?: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

export interface CommandContext {
  readonly out: Output;
  /**
   * Opens the store on first call (after the arguments were checked), the same one after. With
   * `--schemas`, the store validates appends and upcasts reads with them, unless `options` says otherwise.
   */
  store(options?: OpenStoreOptions): Promise<EventStore>;
  /** The event schemas of `--schemas`, or undefined when none were given. */
  schemas(): Promise<EventSchemas | undefined>;
  /** The projections of `--projections`; an InvalidArgumentError when it was not given. */
  projections(): Promise<Projection<any>[]>;
}

/**
 * Wraps a command's body: builds its output and opens the store lazily, and always closes the
 * store, whatever happens. Errors go up to main, which prints them and sets the exit code.
 * `body` receives the command's positional arguments and options as commander parsed them.
 */
export function withStore<Args extends unknown[], Options>(
  body: (context: CommandContext, options: Options, ...args: Args) => Promise<void>,
): (...params: unknown[]) => Promise<void> {
  return async (...params) => {
    const command = params[params.length - 1] as Command;
    const args = params.slice(0, -2) as Args;
    const globals = command.optsWithGlobals<GlobalOptions>();
    let opened: EventStore | undefined;
    let schemas: Promise<EventSchemas | undefined> | undefined;
    let projections: Promise<Projection<any>[]> | undefined;
    const out = new Output(globals.json === true);
    const context: CommandContext = {
      out,
      schemas: () => (schemas ??= globals.schemas === undefined ? Promise.resolve(undefined) : loadSchemasModule(globals.schemas, globals.schemasExport)),
      projections: () =>
        (projections ??=
          globals.projections === undefined
            ? Promise.reject(new InvalidArgumentError('--projections', undefined, 'the module that exports your projections, e.g. --projections ./dist/projections.js'))
            : loadProjectionsModule(globals.projections, globals.projectionsExport)),
      // The store's warnings (Redis durability) go where the command's output says: JSON under --json.
      store: async (options) =>
        (opened ??= await openStore(globals.store, { schemas: await context.schemas(), logger: { warn: (facts, message) => out.warning(facts, message) }, ...options })),
    };
    let succeeded = false;
    try {
      await body(context, command.opts() as Options, ...args);
      succeeded = true;
    } finally {
      // A failure to close matters only when nothing else failed first.
      await opened?.close().catch((error: unknown) => {
        if (succeeded) throw error;
      });
    }
  };
}
