import { InvalidArgumentError } from '../core/errors.js';
import { assertCount } from '../core/validate.js';

/**
 * How an option given in a store URL's query is read: text as it is, a positive integer
 * (`poolSize=20`), or a flag (`true`, `false`, `1`, `0`; anything else is refused, never
 * silently false).
 */
export type UrlOptionKind = 'text' | 'positive integer' | 'flag';

/** A backend's URL options: each name and how its value is read. */
export type UrlOptionSpec = Readonly<Record<string, UrlOptionKind>>;

/**
 * Takes the backend's own options out of a URL query, parsed by kind, with the same typed
 * error (ANNALS_INVALID_ARGUMENT) on every backend for a bad value. The parameters it takes are
 * removed from `params`; those named in `driverParameters` are left there for the driver. Any
 * other is refused, naming every valid one: a mistyped option (`keyprefix=`) must not be
 * ignored, and a driver setting the store depends on must not be changed through the URL.
 */
export function takeUrlOptions(
  backend: string,
  params: URLSearchParams,
  spec: UrlOptionSpec,
  driverParameters: readonly string[] = [],
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [key, value] of [...params]) {
    const kind = spec[key];
    if (kind === undefined) {
      if (driverParameters.includes(key)) continue;
      throw new InvalidArgumentError(`${backend} URL option`, key, `one of ${[...Object.keys(spec), ...driverParameters].join(', ')}`);
    }
    params.delete(key);
    options[key] = parseUrlOption(backend, key, kind, value);
  }
  return options;
}

function parseUrlOption(backend: string, key: string, kind: UrlOptionKind, value: string): unknown {
  switch (kind) {
    case 'text':
      return value;
    case 'positive integer':
      // Number('') is 0 and Number('2.5') is 2.5: both refused, as is anything that is not a number.
      return assertCount(`${backend} URL option ${key}`, /^\s*$/.test(value) ? Number.NaN : Number(value), 1);
    case 'flag':
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      throw new InvalidArgumentError(`${backend} URL option ${key}`, value, 'true, false, 1 or 0');
  }
}

/** Checks options that are positive integers (milliseconds, sizes), given in code or in a URL. */
export function assertPositiveIntegers(options: object, names: readonly string[]): void {
  for (const name of names) assertCount(name, (options as Record<string, unknown>)[name], 1);
}
