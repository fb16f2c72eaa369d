import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreUnavailableError } from '../../core/errors.js';
import { toAnnalsError } from './errors.js';
import { ScriptRunner, type LuaScript, type ScriptArgument } from './script-runner.js';

/**
 * A read lost with its connection is sent again, a few times, with growing pauses (about 1.3 s
 * in all): reads change nothing, so repeating one is safe, and a live subscription rides
 * through a reconnect instead of ending with an error. Writes are never repeated here.
 */
const READ_ATTEMPTS = 7;
const READ_PAUSE_MS = 20;

/** The store's client, shared by its parts, and the ways they send commands and scripts: errors come out typed. */
export class RedisCommands {
  private readonly scripts: ScriptRunner;
  private closed = false;

  constructor(readonly client: Redis) {
    this.scripts = new ScriptRunner(client);
  }

  /** Loads every script into the server's cache (once, on open). */
  async loadScripts(scripts: readonly LuaScript[]): Promise<void> {
    await this.call(() => this.scripts.load(scripts));
  }

  /** A script that may write: run once, never repeated here (see docs/redis.md, Faults). */
  run(script: LuaScript, keys: readonly string[], args: readonly ScriptArgument[]): Promise<unknown> {
    return this.scripts.run(script, keys, args).catch(rethrowAsAnnals);
  }

  runRead(script: LuaScript, keys: readonly string[], args: readonly ScriptArgument[]): Promise<unknown> {
    return this.read(() => this.scripts.run(script, keys, args));
  }

  /** A command that may write: sent once, never repeated here; errors come out typed. */
  write<T>(command: () => Promise<T>): Promise<T> {
    return this.call(command);
  }

  /** A read, sent again when its connection was lost (see READ_ATTEMPTS). */
  async read<T>(command: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call(command);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || attempt >= READ_ATTEMPTS || this.closed) throw error;
        await sleep(READ_PAUSE_MS * 2 ** (attempt - 1));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw toAnnalsError(error);
    }
  }
}

function rethrowAsAnnals(error: unknown): never {
  throw toAnnalsError(error);
}
