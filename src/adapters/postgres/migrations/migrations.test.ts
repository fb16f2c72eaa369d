import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Migration } from './migration.js';
import { migrations, migrationsInOrder } from './index.js';

/**
 * The SHA-256 of each released migration's SQL, rendered for the schema `"annals"`, by version.
 *
 * A released migration must never change: stores that already applied it would not run it
 * again, so an edit would leave them on a schema that new stores do not have. To change the
 * schema, add a new file (the next version) and add its hash here; never update a hash.
 */
const releasedChecksums: Readonly<Record<number, string>> = {
  1: '5e785cfad1b8da9e25375d6953d250401c061282ffdfb3c0e924634105bef8a1',
  2: '671dc8ed5714b0f28024d7d45bf4865ee5fbed62ff1a6a2cf4125f619099c873',
  3: '53ca363717f6c9e9f704ed6b1d942bbefad5e334ac4cf35f319052a13852fff7',
  4: '84fe99ea1c8063b4e9c3d322abd4a8dfa82c1e959f16adf75717776507ca96e8',
  5: 'c7c7af6d88f0eac404438a7949ab972d35884a6dd670db98f9c5ede9b58cee86',
  6: 'c9fd1261d0be7e464327bff65da35cd5f5fb92f577dea8fcfbac0c8cc5206871',
};

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The files that hold one version each, named `NNNN-what-it-does.ts`, in name order. */
function migrationFiles(): string[] {
  const directory = dirname(fileURLToPath(import.meta.url));
  return readdirSync(directory).filter((name) => /^\d{4}-.+\.ts$/.test(name)).sort();
}

describe('PostgreSQL migrations', () => {
  it.each(Object.entries(releasedChecksums))('version %s renders the released SQL, byte for byte', (version, checksum) => {
    const migration = migrations('"annals"').find((m) => m.version === Number(version));
    expect(migration, `version ${version} is missing`).toBeDefined();
    expect(sha256(migration!.sql)).toBe(checksum);
  });

  it('has a pinned checksum for every version', () => {
    expect(migrationsInOrder.map((m) => m.version)).toEqual(Object.keys(releasedChecksums).map(Number));
  });

  it('numbers the versions 1..N, each at its position in the list', () => {
    migrationsInOrder.forEach((migration, index) => expect(migration.version).toBe(index + 1));
    expect(migrations('"annals"').map((m) => m.version)).toEqual(migrationsInOrder.map((_, index) => index + 1));
  });

  it('lists every migration file, in order, and each file holds the version its name says', async () => {
    const files = migrationFiles();
    expect(files).toHaveLength(migrationsInOrder.length);
    for (const [index, file] of files.entries()) {
      const exported = Object.values(await import(new URL(file, import.meta.url).href)) as Migration[];
      expect(exported, `${file} exports one migration`).toHaveLength(1);
      expect(exported[0]!.version, file).toBe(Number(file.slice(0, 4)));
      expect(exported[0], `${file} is at position ${index + 1} in index.ts`).toBe(migrationsInOrder[index]);
    }
  });

  it('renders the quoted schema name wherever the SQL names an object', () => {
    for (const { sql } of migrations('"orders_2"')) {
      expect(sql).not.toContain('"annals"');
      expect(sql).toContain('"orders_2".');
    }
  });
});
