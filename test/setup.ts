import { setupLogging } from '../server/logging.ts';
import { dropCreatedDatabases } from './support/databases.ts';

// Root hooks for every test file: quiet logs unless TEST_LOG=debug|info; drop the PostgreSQL
// databases the run created.
export const mochaHooks = {
  async beforeAll() {
    const level = process.env.TEST_LOG;
    if (level === 'debug' || level === 'info') await setupLogging(level);
    else await setupLogging('error', { quiet: true });
  },
  async afterAll() {
    await dropCreatedDatabases();
  },
};
