// Every table of the platform. One line per schema file; drizzle-kit reads this module.
export * from './accounts.ts';
export * from './badges.ts';
export * from './federation.ts';
export * from './institutions.ts';
export * from './kv.ts';
export * from './posts.ts';
export * from './queue.ts';
export * from './territory.ts';
