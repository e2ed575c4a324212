import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { uuidv7 } from '../ids.ts';
import { handles } from './accounts.ts';

/** An institution (the town hall, a department) that speaks as an organisation. */
export const institutions = pgTable('institutions', {
  id: uuid('id')
    .primaryKey()
    .$defaultFn(() => uuidv7()),
  handle: text('handle')
    .notNull()
    .unique()
    .references(() => handles.handle),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type Institution = typeof institutions.$inferSelect;
