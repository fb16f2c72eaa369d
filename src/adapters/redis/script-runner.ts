import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** An argument of a script: text, a number, or bytes (index members are binary). */
export type ScriptArgument = string | number | Buffer;

export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export function luaScript(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs scripts by their SHA1 (EVALSHA), so a call carries its arguments and not the script.
 * Scripts are loaded on open; when Redis has forgotten one (SCRIPT FLUSH, a restart, a
 * failover to a replica that never saw it), the call fails with NOSCRIPT without running,
 * so loading the script again and repeating the call is safe.
 */
export class ScriptRunner {
  constructor(private readonly client: Redis) {}

  async load(scripts: readonly LuaScript[]): Promise<void> {
    const pipeline = this.client.pipeline();
    for (const script of scripts) pipeline.script('LOAD', script.source);
    for (const [error, sha] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      if (!scripts.some((s) => s.sha === sha)) throw new Error(`Redis returned SHA1 ${String(sha)} for a script Annals computed differently`);
    }
  }

  /**
   * Not an async function on purpose: an append is one call of this, and each async frame
   * adds promise turns to the hot path.
   */
  run(script: LuaScript, keys: readonly string[], args: readonly ScriptArgument[]): Promise<unknown> {
    // One array rather than arguments spread into the call: a call of tens of thousands of
    // arguments (a large projection batch) would overflow the stack as a spread.
    const command = [script.sha, keys.length, ...keys, ...args];
    const call = () => this.client.call('EVALSHA', command);
    return call().catch(async (error: unknown) => {
      if (!isNoScript(error)) throw error;
      await this.client.script('LOAD', script.source);
      return call();
    });
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
