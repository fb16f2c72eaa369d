import { InvalidArgumentError } from '../core/errors.js';
import { importUserModule } from './user-module.js';
import type { Projection } from '../projection/define-projection.js';

/**
 * The projections exported by the application's module (its built JavaScript, e.g.
 * `./dist/projections.js`, relative to the current directory): every export made by
 * defineProjection, streamProjection, keyedProjection or defineReactor (an export that is an
 * array of them counts too), or only the export `name`. Recognised by shape, so that a module
 * built against another copy of Annals works.
 */
export async function loadProjectionsModule(path: string, name?: string): Promise<Projection<any>[]> {
  const module = await importUserModule('--projections', path);
  if (name !== undefined) {
    const chosen = projectionsIn(module[name]);
    if (chosen.length > 0) return chosen;
    throw new InvalidArgumentError('--projections-export', name, `the name of an export of ${path} made by defineProjection, streamProjection, keyedProjection or defineReactor`);
  }
  const found = new Map<string, Projection<any>>();
  for (const value of Object.values(module)) {
    for (const projection of projectionsIn(value)) {
      const other = found.get(projection.name);
      if (other !== undefined && other !== projection) throw new InvalidArgumentError('--projections', path, `a module whose projections have different names ("${projection.name}" is exported twice): choose one with --projections-export`);
      found.set(projection.name, projection);
    }
  }
  if (found.size === 0) throw new InvalidArgumentError('--projections', path, 'a module that exports projections made by defineProjection, streamProjection, keyedProjection or defineReactor');
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The projection of `--projections` named `name`. */
export function projectionNamed(projections: readonly Projection<any>[], name: string): Projection<any> {
  const projection = projections.find((candidate) => candidate.name === name);
  if (projection === undefined) throw new InvalidArgumentError('projection', name, `the name of a projection of --projections: ${projections.map((p) => p.name).join(', ')}`);
  return projection;
}

function projectionsIn(value: unknown): Projection<any>[] {
  if (Array.isArray(value)) return value.filter(isProjection);
  return isProjection(value) ? [value] : [];
}

function isProjection(value: unknown): value is Projection<any> {
  const p = value as Partial<Projection<any>> | null;
  return typeof p === 'object' && p !== null && typeof p.name === 'string' && typeof p.version === 'number' && typeof p.apply === 'function' && p.specs instanceof Map && typeof p.specsAt === 'function';
}
