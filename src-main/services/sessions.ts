import { randomInt, randomUUID } from 'node:crypto'
import type { ApiArgs, ChainVerification, SessionInfo, SessionRecord, SessionSummary } from '@core/api/contract'
import { ApiError } from '@core/api/contract'
import { ENGINE_VERSION, replay, type CompiledScenario } from '@core/engine/compile'
import type { ScoreReport } from '@core/scoring/report'
import type { Rubric } from '@core/scoring/rubric'
import { scoreSession } from '@core/scoring/scorer'
import type { SessionEvent } from '@core/session/events'
import { canonicalJson } from './canonicalJson'
import type { ScenarioLibrary } from './library'
import type { SessionStore, StoredSession } from './sessionStore'

export interface SessionServiceOptions {
  store: SessionStore
  library: ScenarioLibrary
  rubric: Rubric
  clock?: () => number
  /** Per-session seed source; tests pass a fixed one. */
  seed?: () => number
}

/**
 * Sessions: start, finish and read (the call itself runs in CallService). Finishing scores the call by replaying the stored log against the
 * exact scenario version it was played with and seals it (store). Reading
 * checks the record (fields, chain, seal) and replays the log again: a sealed
 * score that differs from the replay, like any broken link, makes the session
 * tampered, shown without a score; a call without a seal has no verdict.
 */
export class SessionService {
  private readonly clock: () => number
  private readonly seed: () => number
  private readonly rescored = new Map<string, ChainVerification>()

  constructor(private readonly options: SessionServiceOptions) {
    this.clock = options.clock ?? Date.now
    this.seed = options.seed ?? (() => randomInt(0, 2 ** 31 - 1))
  }

  /** A new session of `trainee`: the connection's chosen profile, never a name the page sent. */
  async start(args: ApiArgs<'calls.start'>, trainee: string): Promise<SessionInfo> {
    const pinned = await this.options.library.pinVersion(args.scenarioId)
    return this.options.store.createSession({
      sessionId: randomUUID(),
      scenarioId: args.scenarioId,
      scenarioTitle: pinned.title,
      scenarioHash: pinned.hash,
      engineVersion: ENGINE_VERSION,
      rubricVersion: this.options.rubric.version,
      mode: args.mode,
      trainee: trainee.trim(),
      seed: this.seed(),
      startedAt: this.clock(),
    })
  }

  finish(sessionId: string): Promise<SessionRecord> {
    const stored = this.options.store.getSession(sessionId)
    if (stored.info.status === 'finished') return this.get(sessionId)
    // The seal vouches for the log it closes: never seal one that does not verify.
    const verification = this.options.store.verifyChain(sessionId)
    if (!verification.ok) throw new ApiError('conflict', `Session ${sessionId} cannot be finished: ${verification.message}`)
    const report = this.score(stored.info, stored.events)
    this.options.store.finishSession(sessionId, report, report.score, report.compliance, this.clock())
    return this.get(sessionId)
  }

  /**
   * Every row is verified as listed: the store checks its chain and seal, and
   * here its sealed score is checked against a replay of its decisions. A row
   * that fails either is listed as tampered, with no score.
   */
  list(filter: ApiArgs<'sessions.list'>): SessionSummary[] {
    return this.options.store.listSessions(filter).map((summary) => {
      if (!summary.verification.ok || !summary.verification.sealed) return summary
      const rescored = this.rescoredVerification(summary.sessionId)
      return rescored.ok ? summary : { ...summary, score: null, compliance: null, verification: rescored }
    })
  }

  /**
   * A stored session. Its verdict and the answer key (the scenario, the good
   * path, the whole transcript) come only once the call has ended: a live or
   * interrupted call may still be taken up again, so until then its record
   * shows the decisions and the check of the record alone.
   */
  async get(sessionId: string): Promise<SessionRecord> {
    const { record, compiled } = this.check(sessionId)
    if (!compiled || record.info.status !== 'finished') return record
    const played = {
      scenario: compiled.scenario,
      policy: compiled.policy,
      goodPath: await this.options.library.goodPath(record.info.scenarioHash),
      transcript: replay(compiled, record.info.seed, record.events).context.transcript,
    }
    return { ...record, played }
  }

  /**
   * The checked record and the pinned version it replays against, without the
   * good path or transcript: review builds its own replay from these.
   */
  checked(sessionId: string): { record: SessionRecord; compiled: CompiledScenario | null } {
    return this.check(sessionId)
  }

  /** The record checked (fields, chain, seal, and the sealed score against a replay), without the answer key. */
  private check(sessionId: string): { record: SessionRecord; compiled: CompiledScenario | null } {
    const stored = this.options.store.getSession(sessionId)
    const verification = this.options.store.verifyChain(sessionId)
    const resumes = stored.resumes.map(({ afterSeq, interruptedAt, resumedAt }) => ({ afterSeq, interruptedAt, resumedAt }))
    const base = { info: stored.info, events: stored.events, resumes, played: null }
    let compiled: CompiledScenario
    try {
      compiled = this.playedVersion(stored.info)
    } catch (err) {
      if (!(err instanceof ApiError)) throw err
      // The record can still be checked and read; it cannot be replayed here.
      return { record: { ...base, report: null, verification: { ...verification, message: `${verification.message} ${err.message}` } }, compiled: null }
    }
    // No verdict from a record that does not verify, nor from a call that was never sealed.
    if (!verification.ok || !verification.sealed) return { record: { ...base, report: null, verification }, compiled }
    const report = scoreSession(compiled, this.options.rubric, stored.info.seed, stored.events)
    const mismatch = scoreMismatch(stored, report)
    if (mismatch) return { record: { ...base, report: null, verification: mismatch }, compiled }
    return { record: { ...base, report, verification }, compiled }
  }

  /**
   * The replay check of a sealed, verified session, remembered per session:
   * this process is the database's only writer (EXCLUSIVE lock), and a sealed
   * session never changes, so the answer holds for the process's life.
   */
  private rescoredVerification(sessionId: string): ChainVerification {
    const known = this.rescored.get(sessionId)
    if (known) return known
    const result = this.check(sessionId).record.verification
    this.rescored.set(sessionId, result)
    return result
  }

  private score(info: SessionInfo, events: SessionEvent[]): ScoreReport {
    return scoreSession(this.playedVersion(info), this.options.rubric, info.seed, events)
  }

  /** The compiled scenario version the session recorded, checked against this build's engine. */
  private playedVersion(info: SessionInfo): CompiledScenario {
    if (info.engineVersion !== ENGINE_VERSION)
      throw new ApiError('conflict', `This session was recorded by engine version ${info.engineVersion}; this build replays version ${ENGINE_VERSION}.`)
    if (info.rubricVersion !== this.options.rubric.version)
      throw new ApiError('conflict', `This session was scored with rubric version ${info.rubricVersion}; this build scores with version ${this.options.rubric.version}.`)
    return this.options.library.versionByHash(info.scenarioHash)
  }
}

/**
 * A sealed score that is not what the decisions score now: the sealed
 * numbers were rewritten together with their seal. Never corrected silently:
 * the session is tampered, at its seal.
 */
function scoreMismatch(stored: StoredSession, report: ScoreReport): ChainVerification | null {
  const sameReport = stored.scoreCache !== null && canonicalJson(stored.scoreCache) === canonicalJson(report)
  if (sameReport && stored.score === report.score && stored.compliance === report.compliance) return null
  return {
    ok: false,
    sealed: false,
    firstBadSeq: stored.events.length + 1,
    message:
      `Tampered: the score sealed at the end of this call (${stored.score ?? 'none'}, ${stored.compliance ?? 'no compliance'}) ` +
      `is not what its decisions score (${report.score}, ${report.compliance}); the record was rewritten.`,
  }
}
