import { describe, expect, it } from 'vitest';
import { openStore } from '../core/open-store.js';
import { takeUrlOptions } from './url-options.js';

const SPEC = { name: 'text', size: 'positive integer', on: 'flag' } as const;

describe('takeUrlOptions', () => {
  it('parses each option by its kind and takes it out of the query', () => {
    const params = new URLSearchParams('name=orders&size=20&on=1&sslmode=require');
    expect(takeUrlOptions('postgres', params, SPEC, ['sslmode'])).toEqual({ name: 'orders', size: 20, on: true });
    expect(params.toString()).toBe('sslmode=require');
  });

  it.each(['yes', 'no', '', 'TRUE', '2'])('refuses the flag value %j instead of reading it as false', (value) => {
    expect(() => takeUrlOptions('redis', new URLSearchParams({ on: value }), SPEC)).toThrow(
      expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT', argument: 'redis URL option on', value }),
    );
  });

  it.each(['abc', '', '0', '-1', '2.5', '1e400'])('refuses the positive integer %j', (value) => {
    expect(() => takeUrlOptions('sqlite', new URLSearchParams({ size: value }), SPEC)).toThrow(
      expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT', argument: 'sqlite URL option size' }),
    );
  });

  it('refuses a parameter that is neither its own nor the driver\'s, naming every valid one', () => {
    expect(() => takeUrlOptions('postgres', new URLSearchParams({ sizes: '1' }), SPEC, ['sslmode'])).toThrow(
      expect.objectContaining({ code: 'ANNALS_INVALID_ARGUMENT', value: 'sizes', expectation: 'one of name, size, on, sslmode' }),
    );
  });
});

// The options are read before anything connects: these URLs point at no server.
describe('a bad value of an Annals option in a store URL', () => {
  it.each([
    ['sqlite:./never-created.db?migrate=yes', 'sqlite URL option migrate'],
    ['postgres://nobody@127.0.0.1:1/none?migrate=yes', 'postgres URL option migrate'],
    ['postgres://nobody@127.0.0.1:1/none?poolSize=abc', 'postgres URL option poolSize'],
    ['postgres://nobody@127.0.0.1:1/none?inlineIdleTimeoutMs=0', 'postgres URL option inlineIdleTimeoutMs'],
    ['redis://127.0.0.1:1/0?pollIntervalMs=soon', 'redis URL option pollIntervalMs'],
    ['redis://127.0.0.1:1/0?pageSize=0', 'redis URL option pageSize'],
  ])('is the same typed error on every backend: %s', async (url, argument) => {
    await expect(openStore(url)).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT', argument });
  });
});

describe('an unknown parameter in a store URL', () => {
  it.each([
    ['sqlite:./never-created.db?keyprefix=a', 'keyprefix'],
    ['postgres://nobody@127.0.0.1:1/none?poolsize=5', 'poolsize'],
    // A typo that used to write into the default prefix, mixing two stores' data.
    ['redis://127.0.0.1:1/0?keyprefix=orders:', 'keyprefix'],
    // ioredis would take it over the setting the store depends on (a command resent after a reconnect).
    ['redis://127.0.0.1:1/0?autoResendUnfulfilledCommands=true', 'autoResendUnfulfilledCommands'],
  ])('is refused, naming the valid ones: %s', async (url, name) => {
    const refusal = openStore(url);
    await expect(refusal).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT', value: name });
    await expect(refusal).rejects.toMatchObject({ expectation: expect.stringMatching(/^one of .*pageSize/) });
  });

  it('leaves the driver\'s own parameters to it', async () => {
    // Refused by the server (nothing listens on port 1), not by the URL check.
    await expect(openStore('postgres://nobody@127.0.0.1:1/none?sslmode=disable&application_name=x&connectionTimeoutMs=200')).rejects.toMatchObject({
      code: 'ANNALS_STORE_OPEN_FAILED',
      failure: 'connection refused',
    });
    await expect(openStore('redis://127.0.0.1:1/0?family=4&pageSize=10', { connection: { connectTimeout: 200, retryStrategy: () => null } })).rejects.toMatchObject({
      code: 'ANNALS_STORE_UNAVAILABLE',
    });
  });
});
