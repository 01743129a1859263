import type { ButtonApproval, FingerprintObservation } from '../gate/evaluate-gate.js'
import type { ReviewReport } from '../review/review-report.js'
import { BoundedMap } from './bounded-map.js'

export interface CheckRunRecord {
  id: number
  htmlUrl: string
  /** Hash of the last conclusion/title/summary/actions written, to skip writes that change nothing. */
  lastWrite: string | null
  /** Whether the run carries its annotations (they are sent once per run). */
  annotated: boolean
}

export interface CachedReview {
  report: ReviewReport | null
  /** Head file texts and diff patches the inline comments were built from. */
  files: ReadonlyMap<string, string>
  patches: ReadonlyMap<string, string>
  /** Set once the inline review for these findings was written (a failed write is retried by the next run). */
  inlinePublished: boolean
}

/**
 * What the app remembers between deliveries, in memory. None of it is trusted on its own: the gate
 * recomputes from GitHub's state on every event and only uses these records to know which content an
 * approval was given for. After a restart the records are empty, which fails closed (approvals given
 * before the restart must be repeated once the app has reviewed the content again).
 */
export class AppState {
  private readonly observed = new BoundedMap<string, FingerprintObservation[]>(10_000)
  private readonly buttons = new BoundedMap<string, ButtonApproval[]>(10_000)
  private readonly checkRuns = new BoundedMap<string, CheckRunRecord>(20_000)
  private readonly reviews = new BoundedMap<string, CachedReview>(500)
  private readonly pullsBySha = new BoundedMap<string, number[]>(20_000)

  constructor(private readonly clock: () => number = Date.now) {}

  now(): number {
    return this.clock()
  }

  /** Records that `headSha` has `fingerprint`; the first sighting's time is kept (approvals after it are bound to it). */
  observe(pull: string, headSha: string, fingerprint: string): FingerprintObservation[] {
    const list = this.observed.get(pull) ?? []
    if (!list.some((o) => o.headSha === headSha && o.fingerprint === fingerprint)) {
      list.push({ headSha, fingerprint, at: this.clock() })
      this.observed.set(pull, list)
    }
    return list
  }

  observations(pull: string): readonly FingerprintObservation[] {
    return this.observed.get(pull) ?? []
  }

  addButtonApproval(pull: string, approval: ButtonApproval): void {
    this.buttons.set(pull, [...(this.buttons.get(pull) ?? []), approval])
  }

  buttonApprovals(pull: string): readonly ButtonApproval[] {
    return this.buttons.get(pull) ?? []
  }

  checkRun(repoSha: string): CheckRunRecord | undefined {
    return this.checkRuns.get(repoSha)
  }

  setCheckRun(repoSha: string, record: CheckRunRecord): void {
    this.checkRuns.set(repoSha, record)
  }

  /** Review results by pull request, fingerprint and base commit: the same content on the same base reviews the same. */
  review(key: string): CachedReview | undefined {
    return this.reviews.get(key)
  }

  setReview(key: string, review: CachedReview): void {
    this.reviews.set(key, review)
  }

  rememberPull(repoSha: string, pull: number): void {
    const list = this.pullsBySha.get(repoSha) ?? []
    if (!list.includes(pull)) this.pullsBySha.set(repoSha, [...list, pull])
  }

  pullsFor(repoSha: string): readonly number[] {
    return this.pullsBySha.get(repoSha) ?? []
  }

  forget(pull: string): void {
    this.observed.delete(pull)
    this.buttons.delete(pull)
  }
}
