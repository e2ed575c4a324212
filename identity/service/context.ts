import type { IdentityConfig } from '../config.ts';
import type { IdentityDb } from '../db.ts';

/** What every operation of the service needs, passed in explicitly. */
export type ServiceContext = {
  db: IdentityDb;
  config: IdentityConfig;
  secret: string;
  now: () => Date;
};
