import { describe, expect, it } from 'vitest'
import { planShards } from '../../src/lint/lint-threads.js'

/** The shards cover every batch once, in order. */
function expectCover(shards: Array<{ from: number; to: number }>, batches: number): void {
  expect(shards[0]?.from).toBe(0)
  expect(shards[shards.length - 1]?.to).toBe(batches)
  for (let i = 1; i < shards.length; i++) expect(shards[i]!.from).toBe(shards[i - 1]!.to)
  for (const shard of shards) expect(shard.to).toBeGreaterThan(shard.from)
}

describe('planShards', () => {
  const even = Array.from({ length: 100 }, () => 1_000)

  it('gives a helper less than this thread: it starts later and parses the batches before its shard', () => {
    const [own, helper, ...rest] = planShards(even, 1, 10_000)
    expect(rest).toEqual([])
    expectCover([own!, helper!], 100)
    expect(own!.to).toBeGreaterThan(50)
    // Both finish together: own work = helper start + its context + its work (within one batch).
    const helperCost = 10_000 + 0.2 * own!.to * 1_000 + (100 - own!.to) * 1_000
    expect(Math.abs(own!.to * 1_000 - helperCost)).toBeLessThanOrEqual(1_000)
  })

  it('uses more helpers when given them, each with less work than the one before', () => {
    const shards = planShards(even, 3, 0)
    expect(shards).toHaveLength(4)
    expectCover(shards, 100)
    const sizes = shards.map((s) => s.to - s.from)
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(sizes[i - 1]!)
  })

  it('keeps a run on this thread when a helper would start after it ends', () => {
    expect(planShards(even, 1, 1_000_000)).toEqual([{ from: 0, to: 100 }])
    expect(planShards(even, 0)).toEqual([{ from: 0, to: 100 }])
  })

  it('weighs batches by size: the helper takes the huge batch, whose context is small', () => {
    // This thread 2,000; the helper 0.2 × 2,000 of context + 51,000 (taking the huge batch here would cost 52,000).
    expect(planShards([1_000, 1_000, 50_000, 1_000], 1, 0)).toEqual([
      { from: 0, to: 2 },
      { from: 2, to: 4 },
    ])
  })

  it('plans nothing for an empty run', () => {
    expect(planShards([], 2)).toEqual([])
  })
})
