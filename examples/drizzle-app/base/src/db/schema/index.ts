export * from './orders'
export * from './products'
export * from './users'
