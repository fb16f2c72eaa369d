import pg from 'pg';

export interface Statement {
  readonly text: string;
  readonly values: unknown[];
}

/**
 * Records the named statements the store sends (by the last part of their name): the exact SQL
 * and values of the last call, and how many calls. It only looks: every call goes through unchanged.
 */
export function recordStatements(): { statements: Map<string, Statement>; counts: Map<string, number>; stop: () => void } {
  const statements = new Map<string, Statement>();
  const counts = new Map<string, number>();
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
    const c = config as { name?: string; text?: string; values?: unknown[] };
    if (typeof c === 'object' && c !== null && c.name?.startsWith('annals:')) {
      const name = c.name.slice(c.name.lastIndexOf(':') + 1);
      statements.set(name, { text: c.text!, values: c.values ?? [] });
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return (original as (...args: unknown[]) => unknown).call(this, config, ...rest);
  } as typeof original;
  return { statements, counts, stop: () => void (pg.Client.prototype.query = original) };
}

/** A node of a plan from EXPLAIN (FORMAT JSON), with what the tests look at. */
export interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: PlanNode[];
}

/** The plan's nodes, the root and every node under it. */
export function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

/** A value as SQL text, for EXECUTE of a prepared statement (the test's own values, never input). */
export function literal(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return pg.escapeLiteral(value);
  if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(', ')}]::text[]`;
  throw new TypeError(`no literal for ${String(value)}`);
}
