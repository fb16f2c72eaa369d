import { describe, expect, it } from 'vitest';
import { compareCodePoints, encodeDocument } from './documents.js';
import { checkFind, nextCursor } from './find.js';
import { assertDocumentId, collectionSpec } from './names.js';

const spec = collectionSpec('bank', 1, 'accounts', { owner: 'string', balance: 'number' });

describe('read-model names', () => {
  it('builds the collection key from checked names', () => {
    expect(spec.key).toBe('bank:v1:accounts');
    expect(collectionSpec('a'.repeat(32), 9999, 'c'.repeat(20), {}).key).toHaveLength(59);
  });

  it.each([
    ['Bank', 1, 'accounts', {}, 'projection name'],
    ['b'.repeat(33), 1, 'accounts', {}, 'projection name'],
    ['bank', 0, 'accounts', {}, 'projection version'],
    ['bank', 1.5, 'accounts', {}, 'projection version'],
    ['bank', 1, 'Accounts', {}, 'collection name'],
    ['bank', 1, 'accounts', { id: 'string' }, 'index field'],
    ['bank', 1, 'accounts', { 'a.b': 'string' }, 'index field'],
    ['bank', 1, 'accounts', { owner: 'text' }, 'kind of index "owner"'],
  ])('refuses %j v%j %j %j with ANNALS_INVALID_ARGUMENT', (projection, version, collection, indexes, argument) => {
    expect(() => collectionSpec(projection, version, collection, indexes)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT', argument: expect.stringContaining(argument) }));
  });

  it('refuses empty, long and NUL-holding document ids', () => {
    for (const id of ['', 'x'.repeat(513), 'a\u0000b', 7]) expect(() => assertDocumentId(id)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT' }));
    expect(assertDocumentId('x'.repeat(512))).toHaveLength(512);
  });
});

describe('documents', () => {
  it('encodes an object and takes the values of its declared indexes, leaving out missing and null ones', () => {
    expect(encodeDocument(spec, 'a', { owner: 'ann', balance: 3, other: 1 })).toEqual({ json: '{"owner":"ann","balance":3,"other":1}', fields: { owner: 'ann', balance: 3 } });
    expect(encodeDocument(spec, 'a', { owner: null }).fields).toEqual({});
  });

  it.each([
    [[1, 2], 'an array'],
    [null, 'null'],
    ['text', 'a string'],
    [{ owner: 7 }, 'not a string'],
    [{ balance: '7' }, 'not a finite number'],
    [{ balance: Number.NaN }, 'not a finite number'],
    [{ text: 'a\u0000b' }, 'U+0000'],
    [{ big: 'x'.repeat(1024 * 1024) }, 'more than 1048576'],
  ])('refuses %j with ANNALS_INVALID_DOCUMENT', (document, reason) => {
    expect(() => encodeDocument(spec, 'a', document)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_DOCUMENT', collection: 'bank:v1:accounts', id: 'a', reason: expect.stringContaining(reason) }));
  });

  it('keeps the text \\u0000 (a backslash, then u0000), which is not the character', () => {
    expect(encodeDocument(spec, 'a', { text: '\\u0000' }).json).toBe('{"text":"\\\\u0000"}');
  });

  it('refuses a document that cannot be JSON', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeDocument(spec, 'a', cyclic)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_DOCUMENT' }));
  });

  it('orders strings by code point, which differs from UTF-16 order beyond U+FFFF', () => {
    expect(['😀', '\uffff', 'b', 'B', ''].sort(compareCodePoints)).toEqual(['', 'B', 'b', '\uffff', '😀']);
    expect(['😀', '\uffff'].sort()).toEqual(['😀', '\uffff']); // JavaScript's own order
  });
});

describe('finds', () => {
  it('takes one condition, orders by its field, and pages with the cursor of a full page', () => {
    const find = checkFind(spec, { where: { balance: { gte: 1, lt: 5 } }, direction: 'desc', limit: 2 });
    expect(find).toEqual({ field: 'balance', kind: 'number', gte: 1, lt: 5, direction: 'desc', limit: 2 });
    const next = nextCursor(find, [{ id: 'x', json: '{"balance":4}' }, { id: 'y', json: '{"balance":3}' }]);
    expect(checkFind(spec, { where: { balance: { gte: 1, lt: 5 } }, direction: 'desc', limit: 2, after: next })).toMatchObject({ after: { value: 3, id: 'y' } });
    expect(nextCursor(find, [{ id: 'x', json: '{"balance":4}' }])).toBeUndefined();
    expect(checkFind(spec, { where: { owner: 'ann' } })).toEqual({ field: 'owner', kind: 'string', eq: 'ann', direction: 'asc', limit: 100 });
    expect(checkFind(spec, { orderBy: 'balance' })).toEqual({ field: 'balance', kind: 'number', direction: 'asc', limit: 100 });
    expect(checkFind(spec, undefined)).toEqual({ direction: 'asc', limit: 100 });
  });

  it.each([
    [{ where: { owner: 'a', balance: 1 } }, 'where'],
    [{ where: { missing: 1 } }, 'field'],
    [{ where: { owner: 1 } }, 'value for "owner"'],
    [{ where: { balance: { gt: 1, gte: 2 } } }, 'condition on "balance"'],
    [{ where: { balance: { near: 1 } } }, 'condition on "balance"'],
    [{ where: { owner: 'a' }, orderBy: 'balance' }, 'orderBy'],
    [{ limit: 0 }, 'limit'],
    [{ limit: 1001 }, 'limit'],
    [{ direction: 'up' }, 'direction'],
    [{ after: 'not a cursor' }, 'after'],
    [{ orderBy: 'balance', after: Buffer.from('["a","b"]').toString('base64url') }, 'after'],
  ])('refuses %j with ANNALS_INVALID_ARGUMENT', (options, argument) => {
    expect(() => checkFind(spec, options as never)).toThrow(expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT', argument }));
  });
});
