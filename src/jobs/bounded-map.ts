/** A Map that forgets its oldest entries past `capacity`, so per-PR state cannot grow without bound. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super()
  }

  override set(key: K, value: V): this {
    if (this.has(key)) this.delete(key)
    super.set(key, value)
    while (this.size > this.capacity) this.delete(this.keys().next().value as K)
    return this
  }
}
