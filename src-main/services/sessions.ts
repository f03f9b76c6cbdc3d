import { randomInt, randomUUID } from 'node:crypto'
import type { ApiArgs, SessionInfo, SessionRecord, SessionSummary } from '@core/api/contract'
import { ApiError } from '@core/api/contract'
import { ENGINE_VERSION, replay, type CompiledScenario } from '@core/engine/compile'
import type { ScoreReport } from '@core/scoring/report'
import type { Rubric } from '@core/scoring/rubric'
import { scoreSession } from '@core/scoring/scorer'
import type { SessionEvent } from '@core/session/events'
import { canonicalJson } from './canonicalJson'
import type { ScenarioLibrary } from './library'
import type { SessionStore } from './sessionStore'

export interface SessionServiceOptions {
  store: SessionStore
  library: ScenarioLibrary
  rubric: Rubric
  clock?: () => number
  /** Per-session seed source; tests pass a fixed one. */
  seed?: () => number
}

/**
 * Sessions: start, append (the acknowledgement the console waits for), finish
 * and read. The score is always recomputed here by replaying the stored log
 * against the exact scenario version the session was played with; the stored
 * score is a cache, checked against the recomputation on every read.
 */
export class SessionService {
  private readonly clock: () => number
  private readonly seed: () => number

  constructor(private readonly options: SessionServiceOptions) {
    this.clock = options.clock ?? Date.now
    this.seed = options.seed ?? (() => randomInt(0, 2 ** 31 - 1))
  }

  async start(args: ApiArgs<'calls.start'>): Promise<SessionInfo> {
    const pinned = await this.options.library.pinVersion(args.scenarioId)
    return this.options.store.createSession({
      sessionId: randomUUID(),
      scenarioId: args.scenarioId,
      scenarioTitle: pinned.title,
      scenarioHash: pinned.hash,
      engineVersion: ENGINE_VERSION,
      rubricVersion: this.options.rubric.version,
      mode: args.mode,
      trainee: args.trainee.trim(),
      seed: this.seed(),
      startedAt: this.clock(),
    })
  }

  finish(sessionId: string): SessionRecord {
    const stored = this.options.store.getSession(sessionId)
    if (stored.info.status === 'finished') return this.get(sessionId)
    const report = this.score(stored.info, stored.events)
    this.options.store.finishSession(sessionId, report, report.score, report.compliance, this.clock())
    return this.get(sessionId)
  }

  list(filter: ApiArgs<'sessions.list'>): SessionSummary[] {
    return this.options.store.listSessions(filter)
  }

  /**
   * A stored session. Its verdict and the answer key (the scenario, the good
   * path, the whole transcript) come only once the call has ended: a live or
   * interrupted call may still be taken up again, so its record shows the
   * decisions and the chain check alone.
   */
  get(sessionId: string): SessionRecord {
    const stored = this.options.store.getSession(sessionId)
    const verification = this.options.store.verifyChain(sessionId)
    const base = { info: stored.info, events: stored.events }
    if (stored.info.status !== 'finished') return { ...base, report: null, played: null, verification }
    let compiled: CompiledScenario
    let report: ScoreReport
    try {
      compiled = this.playedVersion(stored.info)
      report = scoreSession(compiled, this.options.rubric, stored.info.seed, stored.events)
    } catch (err) {
      if (!(err instanceof ApiError)) throw err
      return { ...base, report: null, played: null, verification: { ...verification, ok: false, message: err.message } }
    }
    const played = {
      scenario: compiled.scenario,
      policy: compiled.policy,
      goodPath: this.options.library.goodPath(stored.info.scenarioHash),
      transcript: replay(compiled, stored.info.seed, stored.events).context.transcript,
    }
    if (stored.scoreCache !== null && canonicalJson(stored.scoreCache) !== canonicalJson(report)) {
      return {
        ...base,
        report,
        played,
        verification: {
          ...verification,
          ok: false,
          message: `${verification.ok ? '' : verification.message + ' '}The stored score (${stored.score}) differs from the score recomputed from the decisions (${report.score}); the recomputed one is shown.`,
        },
      }
    }
    return { ...base, report, played, verification }
  }

  private score(info: SessionInfo, events: SessionEvent[]): ScoreReport {
    return scoreSession(this.playedVersion(info), this.options.rubric, info.seed, events)
  }

  /** The compiled scenario version the session recorded, checked against this build's engine. */
  private playedVersion(info: SessionInfo): CompiledScenario {
    if (info.engineVersion !== ENGINE_VERSION)
      throw new ApiError('conflict', `This session was recorded by engine version ${info.engineVersion}; this build replays version ${ENGINE_VERSION}.`)
    return this.options.library.versionByHash(info.scenarioHash)
  }
}
