import { describe, expect, it } from 'vitest';
import { openStore } from '../core/open-store.js';
import { takeUrlOptions } from './url-options.js';

const SPEC = { name: 'text', size: 'positive integer', on: 'flag' } as const;

describe('takeUrlOptions', () => {
  it('parses each option by its kind and takes it out of the query', () => {
    const params = new URLSearchParams('name=orders&size=20&on=1&sslmode=require');
    expect(takeUrlOptions('postgres', params, SPEC, 'leave for the driver')).toEqual({ name: 'orders', size: 20, on: true });
    expect(params.toString()).toBe('sslmode=require');
  });

  it.each(['yes', 'no', '', 'TRUE', '2'])('refuses the flag value %j instead of reading it as false', (value) => {
    expect(() => takeUrlOptions('redis', new URLSearchParams({ on: value }), SPEC, 'leave for the driver')).toThrow(
      expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT', argument: 'redis URL option on', value }),
    );
  });

  it.each(['abc', '', '0', '-1', '2.5', '1e400'])('refuses the positive integer %j', (value) => {
    expect(() => takeUrlOptions('sqlite', new URLSearchParams({ size: value }), SPEC, 'refuse')).toThrow(
      expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT', argument: 'sqlite URL option size' }),
    );
  });

  it('refuses an option it does not know when told to, naming the ones it knows', () => {
    expect(() => takeUrlOptions('sqlite', new URLSearchParams({ sizes: '1' }), SPEC, 'refuse')).toThrow(
      expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT', value: 'sizes', expectation: 'one of name, size, on' }),
    );
  });
});

// The options are read before anything connects: these URLs point at no server.
describe('a bad value of an Annals option in a store URL', () => {
  it.each([
    ['sqlite:./never-created.db?migrate=yes', 'sqlite URL option migrate'],
    ['postgres://nobody@127.0.0.1:1/none?migrate=yes', 'postgres URL option migrate'],
    ['postgres://nobody@127.0.0.1:1/none?poolSize=abc', 'postgres URL option poolSize'],
    ['redis://127.0.0.1:1/0?pollIntervalMs=soon', 'redis URL option pollIntervalMs'],
    ['redis://127.0.0.1:1/0?pageSize=0', 'redis URL option pageSize'],
  ])('is the same typed error on every backend: %s', async (url, argument) => {
    await expect(openStore(url)).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT', argument });
  });
});
