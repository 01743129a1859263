import { bigint, integer, pgTable, text } from 'drizzle-orm/pg-core'

export const products = pgTable('products', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  name: text('name').notNull(),
  priceCents: integer('price_cents').notNull(),
})
