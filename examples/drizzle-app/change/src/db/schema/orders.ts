import { bigint, index, integer, pgEnum, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core'
import { products } from './products'
import { users } from './users'

export const orderStatus = pgEnum('order_status', ['pending', 'paid', 'shipped'])

export const orders = pgTable(
  'orders',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    totalCents: integer('total_cents').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    status: orderStatus('status').notNull().default('pending'),
    productId: bigint('product_id', { mode: 'number' }).references(() => products.id),
  },
  (t) => [index('orders_user_id_idx').on(t.userId), index('orders_status_idx').on(t.status)],
)
