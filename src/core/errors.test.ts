import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from './errors.js';

// The codes as the classes declare them (`readonly code = 'ANNALS_…'`).
const source = readFileSync(new URL('./errors.ts', import.meta.url), 'utf8');
const codes = [...source.matchAll(/readonly code = '([^']+)'/g)].map((match) => match[1]!);
const classes = Object.values(errors).filter((value) => typeof value === 'function' && value.prototype instanceof errors.AnnalsError);

describe('error codes', () => {
  it('are declared once per class, prefixed and unique', () => {
    expect(codes).toHaveLength(classes.length);
    for (const code of codes) expect(code).toMatch(/^ANNALS_[A-Z_]+$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('are exactly the codes of AnnalsErrorCode, each once', () => {
    expect([...errors.ERROR_CODES].sort()).toEqual([...codes].sort());
  });

  it('are each listed in docs/errors.md', () => {
    const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(codes.filter((code) => !docs.includes(code))).toEqual([]);
  });

  it('carry a hint and serialise their facts', () => {
    const error = new errors.WrongExpectedRevisionError('order-1', 3, 5);
    expect(error.hint).toMatch(/Reload/);
    expect(error.message).toContain(error.hint);
    expect(error.toJSON()).toMatchObject({ code: 'ANNALS_WRONG_EXPECTED_REVISION', stream: 'order-1', expected: 3, actual: 5 });
  });
});
