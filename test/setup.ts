import { dropCreatedDatabases } from './support/databases.ts';
import { restoreTestLogging } from './support/logs.ts';

// Root hooks for every test file: quiet logs unless TEST_LOG=debug|info; drop the PostgreSQL
// databases the run created.
export const mochaHooks = {
  beforeAll: restoreTestLogging,
  async afterAll() {
    await dropCreatedDatabases();
  },
};
