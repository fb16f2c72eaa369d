import { beforeAll, describe } from 'vitest';

/**
 * An external service some tests need (PostgreSQL today; Redis and NATS are added the same
 * way: a name, the variable that points at it, a default URL and a probe).
 */
export interface ServiceSpec {
  /** Shown in messages, e.g. 'PostgreSQL'. */
  readonly name: string;
  /** The environment variable that holds its URL, e.g. 'ANNALS_TEST_PG_URL'. */
  readonly variable: string;
  readonly defaultUrl: string;
  /** Resolves when the service answers at `url`, rejects otherwise. */
  readonly probe: (url: string) => Promise<void>;
}

/** The outcome of probing a service once: its URL, and why it cannot be used (if it cannot). */
export interface ServiceCheck {
  readonly spec: ServiceSpec;
  readonly url: string;
  /** Undefined when the service answered. */
  readonly unreachable?: string;
}

const checks = new Map<ServiceSpec, Promise<ServiceCheck>>();

export function serviceUrl(spec: ServiceSpec): string {
  return process.env[spec.variable] || spec.defaultUrl;
}

/** Whether this run must fail, rather than skip, when a service is missing. */
export function requireServices(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/** Probes the service once per test file (each file runs in its own process). */
export function checkService(spec: ServiceSpec): Promise<ServiceCheck> {
  let check = checks.get(spec);
  if (!check) {
    const url = serviceUrl(spec);
    check = spec.probe(url).then(
      (): ServiceCheck => ({ spec, url }),
      (error: unknown): ServiceCheck => ({ spec, url, unreachable: error instanceof Error ? error.message : String(error) }),
    );
    checks.set(spec, check);
  }
  return check;
}

/**
 * A describe block for tests that need the service. When the service is unreachable, the
 * tests are skipped with a loud warning, or, on CI (CI=true), they fail: their beforeAll
 * throws, so a broken service never passes for a green run.
 */
export function describeWithService(check: ServiceCheck, name: string, body: () => void): void {
  if (check.unreachable === undefined) {
    describe(name, body);
    return;
  }
  const message =
    `${check.spec.name} is not reachable at ${redact(check.url)} (${check.unreachable}). ` +
    `Start it, or set ${check.spec.variable} to its URL.`;
  describeUnavailable(name, message, check.spec.name, body);
}

/**
 * The describe block of tests whose service (or programs) are missing, said in `message`: on CI
 * (CI=true) they fail, their beforeAll throwing, so a broken service never passes for a green
 * run; elsewhere they are skipped with a loud warning, and marked with `service` so that the run's
 * summary (skipped-services-reporter.ts) names every suite skipped so.
 */
export function describeUnavailable(name: string, message: string, service: string, body: () => void): void {
  if (requireServices()) {
    describe(name, () => {
      beforeAll(() => {
        throw new Error(`${message} CI=true: the tests that need it fail instead of being skipped.`);
      });
      body();
    });
    return;
  }
  console.warn(`\n!!! SKIPPED "${name}": ${message} (With CI=true these tests fail instead.)\n`);
  describe.skip(`${name} ${skippedMark(service)}`, body);
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Appended to the name of a suite skipped because its service is unreachable. */
export function skippedMark(service: string): string {
  return `[skipped: ${service} unreachable]`;
}
