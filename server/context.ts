import type { Federation } from '@fedify/fedify';
import type { Database, Db } from '../models/db.ts';
import type { DomainEvents } from '../models/events.ts';
import type { Config } from './config.ts';

/** What every route and service receives: passed in, never imported as a singleton. */
export type AppContext = {
  config: Config;
  database: Database;
  db: Db;
  events: DomainEvents;
  /** ActivityPub (Fedify); its context data is this very object. */
  federation: Federation<AppContext>;
};
