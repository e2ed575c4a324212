import { databaseOptions, openDatabase } from '../models/db.ts';
import { DomainEvents } from '../models/events.ts';
import { DataDirLockedError } from '../models/pglite-lock.ts';
import { ConfigError, loadConfig } from './config.ts';
import { demoAccountsSummary, seedDemo } from './demo/seed.ts';

// `npm run demo`: fills the configured database (DATA_DIR or DATABASE_URL) with a fictional town.
// `npm start -- --demo` does the same before serving.
async function main(): Promise<number> {
  try {
    const config = loadConfig();
    const database = await openDatabase(databaseOptions(config));
    try {
      await database.migrate();
      const result = await seedDemo(
        { db: database.db, events: new DomainEvents() },
        { name: config.instanceName },
      );
      if (!result.ok) {
        console.error('This instance already has accounts of its own: the demo town was not added.');
        return 1;
      }
      console.log(
        result.created ? 'Demo town created: Belleville-sur-Loire.' : 'The demo town is already there.',
      );
      console.log(demoAccountsSummary());
      return 0;
    } finally {
      await database.close();
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DataDirLockedError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main();
