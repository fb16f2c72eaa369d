import type { DecidedEvent, Decider } from './decider.js';
import { handleCommand } from './handle-command.js';
import type { CommandStore } from './load-state.js';
import type { HandleCommandOptions } from './options.js';
import type { CommandResult } from './result.js';

/**
 * handleCommand bound to one store and one decider, with default options: a value to inject
 * where commands of one kind of stream are handled. Per-call options override the defaults.
 */
export class CommandHandler<State, Command, Event extends DecidedEvent> {
  constructor(
    /** The store the commands' streams are in. */
    readonly store: CommandStore,
    /** The decider of this kind of stream. */
    readonly decider: Decider<State, Command, Event>,
    /** Options for every call, under each call's own. */
    readonly defaults: HandleCommandOptions = {},
  ) {}

  /** Handles one command on one stream, as `handleCommand` does, with the defaults under `options`. */
  handle(stream: string, command: Command, options?: HandleCommandOptions): Promise<CommandResult<State, Event>> {
    return handleCommand(this.store, this.decider, stream, command, { ...this.defaults, ...options });
  }
}
