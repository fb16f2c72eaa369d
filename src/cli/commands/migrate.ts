import type { Command } from 'commander';
import { withStore } from '../run.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .summary("bring the store's schema up to date")
    .description("Open the store, applying any pending schema migrations, and print the schema version.")
    .action(
      withStore<[], object>(async (context) => {
        // Migrate even when the store URL says migrate=false: that is what this command is for.
        const store = await context.store({ migrate: true });
        const schema = store.schema;
        if (schema === undefined) {
          await context.out.result(
            { backend: store.backend, version: null, migratedFrom: null, applied: false },
            `the ${store.backend} store has no schema: nothing to migrate`,
          );
          return;
        }
        const applied = schema.migratedFrom < schema.version;
        await context.out.result(
          { backend: store.backend, version: schema.version, migratedFrom: schema.migratedFrom, applied },
          applied
            ? `migrated the schema from version ${schema.migratedFrom} to ${schema.version}`
            : `schema version ${schema.version}: up to date, nothing applied`,
        );
      }),
    );
}
