import { describe, expect, it } from 'vitest';
import { assertStreamName, categoryOf, jsonProblem, parseExpectedRevision, prepareEvents } from './validate.js';

describe('stream names', () => {
  it('accepts a 200-character name and rejects 201', () => {
    expect(assertStreamName('a'.repeat(200))).toHaveLength(200);
    expect(() => assertStreamName('a'.repeat(201))).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_STREAM_NAME' }));
  });
  it('counts characters, not UTF-16 units', () => {
    expect(assertStreamName('😀'.repeat(200))).toBeDefined();
  });
  it('rejects empty names, control characters and non-strings', () => {
    for (const bad of ['', 'a\nb', 'tab\there', 'nul\u0000', 'del\u007f', 42, null, undefined]) {
      expect(() => assertStreamName(bad)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_STREAM_NAME' }));
    }
  });
  it('rejects white space at either end and a leading dash, and accepts them inside', () => {
    for (const bad of [' ', '   ', ' account-1', 'account-1 ', '\u00a0account-1', 'account-1\u3000', '-1', '-account-1']) {
      expect(() => assertStreamName(bad)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_STREAM_NAME' }));
    }
    for (const good of ['account 1', 'account-1-', 'a--b', 'x']) expect(assertStreamName(good)).toBe(good);
  });
  it('takes the category from the text before the first dash', () => {
    expect(categoryOf('account-42-x')).toBe('account');
    expect(categoryOf('account')).toBe('account');
  });
});

describe('event size', () => {
  it('counts the data and metadata JSON in UTF-8 bytes, against the limit given', () => {
    // 'é' is one UTF-16 unit and two UTF-8 bytes: 10 of them in a string are 22 bytes of JSON, plus '{}'.
    expect(prepareEvents('blob-1', [{ type: 'T', data: 'é'.repeat(10) }], true, 24)).toHaveLength(1);
    expect(() => prepareEvents('blob-1', [{ type: 'T', data: 'é'.repeat(10) }], true, 23)).toThrow(
      expect.objectContaining({ code: 'ANNALS_EVENT_TOO_LARGE', bytes: 24, limit: 23, index: 0 }),
    );
    expect(() => prepareEvents('blob-1', [{ type: 'T' }, { type: 'T', data: null, metadata: { note: 'x'.repeat(20) } }], true, 20)).toThrow(
      expect.objectContaining({ code: 'ANNALS_EVENT_TOO_LARGE', index: 1, bytes: 4 + 31 }),
    );
  });
});

describe('event data', () => {
  it('finds what a JSON round trip would change, with its path', () => {
    expect(jsonProblem({ a: [1, { b: () => 1 }] }, 'data')).toMatchObject({ path: 'data.a[1].b' });
    expect(jsonProblem(10n, 'data')).toMatchObject({ reason: expect.stringContaining('BigInt') });
    expect(jsonProblem([undefined], 'data')).toMatchObject({ path: 'data[0]' });
    expect(jsonProblem({ when: new Date() }, 'data')).toMatchObject({ path: 'data.when' });
    expect(jsonProblem(NaN, 'data')).toBeDefined();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(jsonProblem(cycle, 'data')).toMatchObject({ reason: expect.stringContaining('cycle') });
  });
  it('allows shared (non-cyclic) references and undefined properties', () => {
    const shared = { x: 1 };
    expect(jsonProblem({ a: shared, b: shared, c: undefined }, 'data')).toBeUndefined();
  });
  it('generates ids, lower-cases given ones, and rejects duplicates within a call', () => {
    const [generated] = prepareEvents('s-1', [{ type: 'T' }]);
    expect(generated!.id).toMatch(/^[0-9a-f-]{36}$/);
    const id = 'AAAAAAAA-0000-4000-8000-000000000000';
    expect(prepareEvents('s-1', [{ type: 'T', id }])[0]!.id).toBe(id.toLowerCase());
    expect(() => prepareEvents('s-1', [{ type: 'T', id }, { type: 'U', id }])).toThrow(
      expect.objectContaining({ code: 'ANNALS_DUPLICATE_EVENT_ID' }),
    );
  });
});

describe('expected revision', () => {
  it('accepts the named forms and non-negative integers only', () => {
    expect(parseExpectedRevision(undefined)).toBe('any');
    expect(parseExpectedRevision(3)).toBe(3);
    for (const bad of [-1, 1.5, NaN, Infinity, '3', 'exists', null]) {
      expect(() => parseExpectedRevision(bad)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT' }));
    }
  });
});

describe('the JSON fast path', () => {
  it('accepts deeply nested data that is not a cycle', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = { next: deep };
    const [event] = prepareEvents('s-1', [{ type: 'T', data: deep as never }]);
    expect(JSON.parse(event!.data)).toEqual(deep);
  });
  it('still rejects a deep cycle with its path', () => {
    const root: Record<string, unknown> = {};
    let node = root;
    for (let i = 0; i < 100; i++) node = (node.next = {}) as Record<string, unknown>;
    node.back = root;
    expect(() => prepareEvents('s-1', [{ type: 'T', data: root as never }])).toThrow(
      expect.objectContaining({ code: 'ANNALS_INVALID_EVENT', reason: expect.stringContaining('cycle') }),
    );
  });
  it('marks generated ids, and only those', () => {
    const [generated, given] = prepareEvents('s-1', [{ type: 'T' }, { type: 'T', id: '6f1c2f3e-0000-4000-8000-000000000001' }]);
    expect(generated!.generated).toBe(true);
    expect(given!.generated).toBe(false);
  });
});
