import {
  ApiError,
  parseApiArgs,
  type ApiResults,
  type Assignment,
  type CalibrationReport,
  type Profile,
  type ReviewEvent,
  type ReviewMethod,
  type ReviewRecord,
  type ReviewThread,
  type RoleState,
  type SessionInfo,
  type SessionListRow,
  type SessionQuery,
  type Trends,
  REVIEW_METHOD_NAMES,
  TRAINEE_REVIEW_METHODS,
} from '@core/api/contract'
import {
  AgreementCounter,
  automaticItemScores,
  blindGrades,
  calibrationItems,
  deductedItems,
  disputesOf,
  gradableItems,
  notesOf,
  overallJudgements,
  refusalOfAction,
  reviewScores,
  reviewState,
  reviewSteps,
  viewAtStep,
  visibleTo,
} from '@core/api/reviewRules'
import type { CompiledScenario } from '@core/engine/compile'
import type { Rubric } from '@core/scoring/rubric'
import type { ScoreReport } from '@core/scoring/report'
import type { SessionEvent } from '@core/session/events'

/**
 * The review half of the renderer's fake backend: the same rules main applies
 * (src-core/api/reviewRules.ts), in memory, one connection. Real data shapes,
 * so review screens can be unit-tested without main.
 */

export interface FakeReviewSession {
  info: SessionInfo
  compiled: CompiledScenario
  events: readonly SessionEvent[]
  report: ScoreReport | null
}

export interface FakeReviewDeps {
  rubric: Rubric
  sessions: () => FakeReviewSession[]
  now: () => number
}

export interface FakeReview {
  impl: { [M in ReviewMethod]: (args: unknown) => Promise<ApiResults[M]> }
  /** The passphrase the fake accepts once set (tests set it through role.setPassphrase). */
  reviewEvents: Map<string, ReviewEvent[]>
  profiles: Profile[]
  assignments: Assignment[]
  /** The chosen profile's name, which calls are recorded under (main's rule); refuses until one is chosen. */
  profileName(): string
  /** Choose the profile `name` (created if need be), as the picker does, without a recorded API call. */
  pick(name: string): Profile
}

export function createFakeReview(deps: FakeReviewDeps): FakeReview {
  const reviewEvents = new Map<string, ReviewEvent[]>()
  const profiles: Profile[] = []
  const assignments: Assignment[] = []
  let passphrase: string | null = null
  let role: RoleState['role'] = 'trainee'
  let supervisor: string | null = null
  let profile: Profile | null = null
  let failures = 0
  const items = gradableItems(deps.rubric)

  const state = (): RoleState => ({ role, profile, supervisor, passphraseSet: passphrase !== null, capabilities: { pdf: false, folderDialog: false } })
  const sessionOf = (id: string): FakeReviewSession => {
    const s = deps.sessions().find((x) => x.info.sessionId === id)
    if (!s) throw new ApiError('not-found', `There is no session ${id}.`)
    return s
  }
  const eventsOf = (id: string) => reviewEvents.get(id) ?? []
  const reviewable = (s: FakeReviewSession) => s.info.mode === 'assessment' && s.report !== null
  const ownOnly = (s: FakeReviewSession) => {
    if (role === 'supervisor') return
    if (!profile) throw new ApiError('forbidden', 'Pick your profile first.')
    if (s.info.trainee.toLowerCase() !== profile.name.toLowerCase()) throw new ApiError('forbidden', 'This session is not yours.')
  }

  const rowOf = (s: FakeReviewSession): SessionListRow => {
    const ev = eventsOf(s.info.sessionId)
    const scores = s.report ? reviewScores(deps.rubric, s.report, ev) : null
    const published = role === 'supervisor' || ev.some((e) => e.type === 'publish')
    return {
      sessionId: s.info.sessionId,
      trainee: s.info.trainee,
      scenarioId: s.info.scenarioId,
      scenarioTitle: s.compiled.scenario.title,
      tier: s.compiled.scenario.tier,
      callerType: s.report ? s.report.callerType : null,
      mode: s.info.mode,
      status: s.info.status,
      startedAt: s.info.startedAt,
      endedAt: s.info.endedAt,
      durationMs: s.info.endedAt === null ? null : s.info.endedAt - s.info.startedAt,
      eventCount: s.events.length,
      score: scores ? (published ? scores.counting : scores.auto) : null,
      scoreSource: scores ? (published ? scores.countingSource : 'automatic') : null,
      autoScore: s.report?.score ?? null,
      compliance: scores ? (published ? scores.compliance : scores.autoCompliance) : null,
      outcome: s.report?.outcome.kind ?? null,
      criticalFailures: s.report?.criticalFailures.map((c) => c.id) ?? [],
      reviewState: published ? reviewState(ev, reviewable(s)) : reviewable(s) ? 'awaiting-review' : 'none',
      verification: { ok: true, sealed: s.report !== null, message: 'ok' },
    }
  }

  const matches = (s: FakeReviewSession, row: SessionListRow, q: ReturnType<typeof parseQuery>): boolean =>
    (q.trainee === undefined || row.trainee.toLowerCase() === q.trainee.toLowerCase()) &&
    (q.scenarioId === undefined || row.scenarioId === q.scenarioId) &&
    (q.tier === undefined || row.tier === q.tier) &&
    (q.callerType === undefined || row.callerType === q.callerType) &&
    (q.mode === undefined || row.mode === q.mode) &&
    (q.status === undefined || row.status === q.status) &&
    (q.from === undefined || row.startedAt >= q.from) &&
    (q.to === undefined || row.startedAt < q.to) &&
    (q.outcome === undefined || row.outcome === q.outcome) &&
    (q.compliance === undefined || row.compliance === q.compliance) &&
    (q.scoreMin === undefined || (row.score ?? -1) >= q.scoreMin) &&
    (q.scoreMax === undefined || (row.score ?? 101) <= q.scoreMax) &&
    (q.reviewState === undefined || row.reviewState === q.reviewState) &&
    (q.failedRule === undefined || (s.report?.deductions.some((d) => d.rule === q.failedRule) ?? false)) &&
    (q.fellFor === undefined || (s.report?.tactics.some((t) => t.tactic === q.fellFor && !t.countered) ?? false)) &&
    (q.falsePositive === undefined || (s.report?.callerType === 'legitimate' && s.report.deductions.some((d) => d.item === 'OUT-false-positive' || d.item === 'OUT-non-factor')))

  const parseQuery = (query: SessionQuery) => {
    const q = parseApiArgs('sessions.query', query)
    if (role !== 'supervisor') {
      if (!profile) throw new ApiError('forbidden', 'Pick your profile first.')
      return { ...q, trainee: profile.name }
    }
    return q
  }

  const query = (raw: SessionQuery) => {
    const q = parseQuery(raw)
    const all = deps
      .sessions()
      .map((s) => ({ s, row: rowOf(s) }))
      .filter(({ s, row }) => matches(s, row, q))
    const key = (r: SessionListRow): string | number =>
      q.sort === 'score' ? (r.score ?? -1) : q.sort === 'trainee' ? r.trainee : q.sort === 'scenario' ? r.scenarioTitle : q.sort === 'duration' ? (r.durationMs ?? -1) : r.startedAt
    all.sort((a, b) => {
      const x = key(a.row)
      const y = key(b.row)
      const c = x < y ? -1 : x > y ? 1 : 0
      return q.direction === 'asc' ? c : -c
    })
    return { rows: all.slice(q.offset, q.offset + q.limit).map((x) => x.row), total: all.length, offset: q.offset, limit: q.limit, all }
  }

  const threadOf = (s: FakeReviewSession): ReviewThread => {
    const ev = eventsOf(s.info.sessionId)
    const shown = visibleTo(role, ev)
    return {
      state: role === 'supervisor' || ev.some((e) => e.type === 'publish') ? reviewState(ev, reviewable(s)) : 'none',
      events: shown,
      comments: shown.flatMap((e) => (e.type === 'comment' ? [{ step: e.step, text: e.text, by: e.actor.name, at: e.at, seq: e.seq }] : [])),
      scores: s.report && shown.length + (role === 'supervisor' ? 1 : 0) > 0 ? reviewScores(deps.rubric, s.report, shown) : null,
      disputes: disputesOf(shown),
      verification: { ok: true, sealed: true, firstBadSeq: null, message: `All ${ev.length} review events verify.` },
    }
  }

  const open = (sessionId: string, blind: boolean): ReviewRecord => {
    const s = sessionOf(sessionId)
    ownOnly(s)
    if (blind && role !== 'supervisor') throw new ApiError('forbidden', 'Blind grading needs supervisor mode.')
    const mine = blindGrades(eventsOf(sessionId)).get(supervisor ?? '') ?? null
    return {
      info: s.info,
      scenarioTitle: s.compiled.scenario.title,
      verification: { ok: true, sealed: s.report !== null, firstBadSeq: null, message: `All ${s.events.length} events verify.` },
      steps: reviewSteps(s.compiled, s.info, s.events, blind ? null : s.report, null),
      overall: overallJudgements(blind ? null : s.report, s.events),
      notes: notesOf(s.events),
      report: blind ? null : s.report,
      thread: blind ? null : threadOf(s),
      blind,
      blindGrade: blind ? mine : null,
      gradable: items.map(({ id, title, max, critical }) => ({ id, title, max, critical })),
    }
  }

  const impl: FakeReview['impl'] = {
    'profiles.list': async () => [...profiles],
    'profiles.create': async (args) => {
      const { name } = parseApiArgs('profiles.create', args)
      if (profiles.some((p) => p.name.toLowerCase() === name.toLowerCase())) throw new ApiError('conflict', `There is already a profile named ${name}.`)
      const p: Profile = { id: `10000000-0000-4000-8000-${String(profiles.length + 1).padStart(12, '0')}`, name, createdAt: deps.now() }
      profiles.push(p)
      return p
    },
    'profiles.select': async (args) => {
      const { profileId } = parseApiArgs('profiles.select', args)
      const p = profiles.find((x) => x.id === profileId)
      if (!p) throw new ApiError('not-found', 'There is no such profile.')
      profile = p
      role = 'trainee'
      supervisor = null
      return state()
    },
    'role.get': async () => state(),
    'role.unlock': async (args) => {
      const a = parseApiArgs('role.unlock', args)
      if (passphrase === null) throw new ApiError('not-found', 'No supervisor passphrase is set yet: set one first.')
      if (a.passphrase !== passphrase) {
        failures++
        const retryInMs = 1000 * 2 ** (failures - 1)
        return { ok: false, retryInMs, message: `That passphrase is not right. You can try again in ${Math.ceil(retryInMs / 1000)} seconds.`, state: state() }
      }
      failures = 0
      role = 'supervisor'
      supervisor = a.name
      return { ok: true, state: state() }
    },
    'role.lock': async () => {
      role = 'trainee'
      supervisor = null
      return state()
    },
    'role.setPassphrase': async (args) => {
      const a = parseApiArgs('role.setPassphrase', args)
      if (a.passphrase.length < 8) throw new ApiError('invalid-argument', 'The passphrase needs at least 8 characters.')
      if (passphrase !== null && a.current !== passphrase) throw new ApiError('forbidden', 'A supervisor passphrase is already set: give the current one to change it.')
      passphrase = a.passphrase
      role = 'supervisor'
      supervisor = a.name
      return state()
    },
    'sessions.query': async (args) => {
      const { rows, total, offset, limit } = query(args as SessionQuery)
      return { rows, total, offset, limit }
    },
    'review.queue': async () => {
      supervisorOnly('review.queue')
      const all = deps.sessions()
      const awaitingReview = all
        .filter((s) => reviewable(s) && ['awaiting-review', 'in-review'].includes(reviewState(eventsOf(s.info.sessionId), true)))
        .sort((a, b) => (a.info.endedAt ?? 0) - (b.info.endedAt ?? 0))
        .map((s) => ({ sessionId: s.info.sessionId, trainee: s.info.trainee, scenarioTitle: s.compiled.scenario.title, startedAt: s.info.startedAt, waitingSince: s.info.endedAt ?? s.info.startedAt, items: [] }))
      const awaitingRuling = all
        .flatMap((s) => {
          const open = disputesOf(eventsOf(s.info.sessionId)).filter((d) => d.ruling === null)
          return open.length ? [{ sessionId: s.info.sessionId, trainee: s.info.trainee, scenarioTitle: s.compiled.scenario.title, startedAt: s.info.startedAt, waitingSince: Math.min(...open.map((d) => d.at)), items: open.map((d) => d.item) }] : []
        })
        .sort((a, b) => a.waitingSince - b.waitingSince)
      return { awaitingReview, awaitingRuling }
    },
    'review.open': async (args) => {
      const a = parseApiArgs('review.open', args)
      return open(a.sessionId, a.blind)
    },
    'review.step': async (args) => {
      const a = parseApiArgs('review.step', args)
      const s = sessionOf(a.sessionId)
      ownOnly(s)
      if (a.step > s.events.length) throw new ApiError('invalid-argument', `This call has ${s.events.length} steps; there is no step ${a.step}.`)
      return { sessionId: a.sessionId, step: a.step, view: viewAtStep(s.compiled, s.info, s.events, a.step) }
    },
    'review.act': async (args) => {
      const a = parseApiArgs('review.act', args)
      const s = sessionOf(a.sessionId)
      ownOnly(s)
      if (!s.report) throw new ApiError('conflict', 'This call has no verdict, so it cannot be reviewed.')
      const ev = eventsOf(a.sessionId)
      const refusal = refusalOfAction(ev, a.action, role, items, deductedItems(deps.rubric, s.report))
      if (refusal) throw new ApiError(refusal.includes('supervisor mode') || refusal.startsWith('Only the trainee') ? 'forbidden' : 'conflict', refusal)
      const event = { ...a.action, seq: ev.length + 1, at: deps.now(), actor: { role, name: role === 'supervisor' ? supervisor! : profile!.name }, hash: String(ev.length + 1).padStart(64, '0') } as ReviewEvent
      reviewEvents.set(a.sessionId, [...ev, event])
      return threadOf(s)
    },
    'calibration.report': async (args) => {
      supervisorOnly('calibration.report')
      const a = parseApiArgs('calibration.report', args)
      const overall = new AgreementCounter(a.threshold)
      const perItem = new Map(items.map((i) => [i.id, new AgreementCounter(a.threshold)]))
      const sessions: CalibrationReport['sessions'] = []
      for (const s of deps.sessions()) {
        if (!s.report || (a.sessionIds && !a.sessionIds.includes(s.info.sessionId)) || (a.scenarioId && s.info.scenarioId !== a.scenarioId)) continue
        const grades = blindGrades(eventsOf(s.info.sessionId))
        if (!grades.size) continue
        const auto = automaticItemScores(deps.rubric, s.report)
        const cal = calibrationItems(items, auto, grades, a.threshold)
        for (const c of cal) perItem.get(c.id)!.add(c.max, c.auto, Object.values(c.grades))
        const totals: Record<string, number> = {}
        for (const [grader, g] of grades) totals[grader] = reviewScores(deps.rubric, s.report, [{ type: 'sign-off', seq: 0, at: 0, actor: { role: 'supervisor', name: grader }, hash: '' }, ...Object.entries(g).map(([item, score], i) => ({ type: 'override' as const, item, score, reason: 'blind', seq: i + 1, at: 0, actor: { role: 'supervisor' as const, name: grader }, hash: '' }))]).counting
        overall.add(100, s.report.score, Object.values(totals))
        sessions.push({ sessionId: s.info.sessionId, trainee: s.info.trainee, scenarioTitle: s.compiled.scenario.title, graders: [...grades.keys()], items: cal, overall: { auto: s.report.score, grades: totals } })
      }
      return { threshold: a.threshold, sessions, perItem: items.map((i) => ({ id: i.id, title: i.title, agreement: perItem.get(i.id)!.result() })), overall: overall.result() }
    },
    'exports.progress': async () => {
      supervisorOnly('exports.progress')
      return { active: false, done: 0, total: 0 }
    },
    'exports.cancel': async () => {
      supervisorOnly('exports.cancel')
      return { cancelled: false }
    },
    'trends.progress': async () => {
      supervisorOnly('trends.progress')
      const n = deps.sessions().length
      return { checked: n, total: n, done: true }
    },
    'trends.get': async (args) => {
      supervisorOnly('trends.get')
      const a = parseApiArgs('trends.get', args)
      const scoped = deps.sessions().filter((s) => s.report && s.info.mode === 'assessment' && (!a.trainee || s.info.trainee === a.trainee) && (!a.scenarioId || s.info.scenarioId === a.scenarioId))
      const bucketOf = (t: number) => {
        const d = new Date(t)
        if (a.bucket === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
        const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
        return a.bucket === 'day' ? day : day - ((d.getUTCDay() + 6) % 7) * 86_400_000
      }
      const width = (at: number) => (a.bucket === 'day' ? 86_400_000 : a.bucket === 'week' ? 7 * 86_400_000 : bucketOf(at + 32 * 86_400_000) - at)
      const series = (key: (s: FakeReviewSession) => string, label: (s: FakeReviewSession) => string, hit: (s: FakeReviewSession) => boolean, extra: (k: string) => SessionQuery, pool = scoped) => {
        const groups = new Map<string, FakeReviewSession[]>()
        for (const s of pool) groups.set(key(s), [...(groups.get(key(s)) ?? []), s])
        return [...groups].map(([k, list]) => {
          const buckets = new Map<number, FakeReviewSession[]>()
          for (const s of list) buckets.set(bucketOf(s.info.startedAt), [...(buckets.get(bucketOf(s.info.startedAt)) ?? []), s])
          return {
            key: k,
            label: label(list[0]!),
            points: [...buckets].sort((x, y) => x[0] - y[0]).map(([at, b]) => ({ at, sessions: b.length, rate: b.filter(hit).length / b.length, filter: { ...extra(k), mode: 'assessment' as const, from: at, to: at + width(at) } })),
          }
        })
      }
      const pass = (s: FakeReviewSession) => s.report!.compliance === 'pass'
      const critical = (s: FakeReviewSession) => s.report!.criticalFailures.length > 0
      const fp = (s: FakeReviewSession) => s.report!.deductions.some((d) => d.item === 'OUT-false-positive' || d.item === 'OUT-non-factor')
      const legit = scoped.filter((s) => s.report!.callerType === 'legitimate')
      const byScenario = (hit: (s: FakeReviewSession) => boolean) => series((s) => s.info.scenarioId, (s) => s.compiled.scenario.title, hit, (k) => ({ scenarioId: k }))
      const byTrainee = (hit: (s: FakeReviewSession) => boolean, pool = scoped, extra: SessionQuery = {}) => series((s) => s.info.trainee, (s) => s.info.trainee, hit, (k) => ({ ...extra, trainee: k }), pool)
      const tactics = new Map<string, Map<string, { uses: number; fell: number }>>()
      for (const s of scoped)
        for (const t of s.report!.tactics) {
          const per = tactics.get(t.tactic) ?? new Map()
          const c = per.get(s.info.trainee) ?? { uses: 0, fell: 0 }
          c.uses++
          if (!t.countered) c.fell++
          per.set(s.info.trainee, c)
          tactics.set(t.tactic, per)
        }
      const rules = new Map<string, Set<string>>()
      for (const s of scoped) for (const d of s.report!.deductions) rules.set(d.rule, (rules.get(d.rule) ?? new Set()).add(s.info.sessionId))
      const done = assignmentsView().filter((x) => !a.trainee || x.trainee === a.trainee)
      const trends: Trends = {
        bucket: a.bucket,
        sessions: scoped.length,
        tampered: 0,
        passRate: { byScenario: byScenario(pass), byTrainee: byTrainee(pass) },
        criticalRate: { byScenario: byScenario(critical), byTrainee: byTrainee(critical) },
        falsePositive: {
          overall: series(() => 'all', () => 'Everyone', fp, () => ({ callerType: 'legitimate' }), legit)[0] ?? { key: 'all', label: 'Everyone', points: [] },
          byTrainee: byTrainee(fp, legit, { callerType: 'legitimate' }),
        },
        tactics: [...tactics].map(([tactic, per]) => {
          const uses = [...per.values()].reduce((n, c) => n + c.uses, 0)
          const fell = [...per.values()].reduce((n, c) => n + c.fell, 0)
          return {
            tactic: tactic as Trends['tactics'][number]['tactic'],
            team: { rate: fell / uses, uses, filter: { fellFor: tactic as Trends['tactics'][number]['tactic'], mode: 'assessment' } },
            byTrainee: [...per].map(([trainee, c]) => ({ trainee, rate: c.fell / c.uses, uses: c.uses, filter: { fellFor: tactic as Trends['tactics'][number]['tactic'], trainee, mode: 'assessment' as const } })),
          }
        }),
        failuresPerRule: [...rules].map(([rule, ids]) => ({ rule, failures: ids.size, sessions: scoped.length, filter: { failedRule: rule, mode: 'assessment' as const } })),
        coaching: { assigned: done.length, reattempted: done.filter((x) => x.attempt).length, passed: done.filter((x) => x.status === 'passed').length },
      }
      return trends
    },
    'coaching.assign': async (args) => {
      supervisorOnly('coaching.assign')
      const a = parseApiArgs('coaching.assign', args)
      const scenarios = new Map(deps.sessions().map((s) => [s.info.scenarioId, s.compiled.scenario]))
      const chosen = a.scenarioId ? [a.scenarioId] : [...scenarios.values()].filter((sc) => sc.tactics.includes(a.tactic!)).map((sc) => sc.id)
      if (!chosen.length) throw new ApiError('not-found', `No scenario in the library uses the tactic ${a.tactic}.`)
      const made = chosen.map((id) => {
        const x: Assignment = { id: `20000000-0000-4000-8000-${String(assignments.length + 1).padStart(12, '0')}`, trainee: a.trainee, scenarioId: id, scenarioTitle: scenarios.get(id)?.title ?? id, tactic: a.tactic ?? null, fromSessionId: a.fromSessionId ?? null, note: a.note, assignedAt: deps.now(), assignedBy: supervisor!, attempt: null, status: 'open' }
        assignments.push(x)
        return x
      })
      return made.map((m) => assignmentsView().find((x) => x.id === m.id)!)
    },
    'coaching.list': async (args) => {
      const a = parseApiArgs('coaching.list', args)
      const trainee = role === 'supervisor' ? a.trainee : profile?.name
      if (role !== 'supervisor' && !trainee) throw new ApiError('forbidden', 'Pick your profile first.')
      return assignmentsView().filter((x) => (!trainee || x.trainee.toLowerCase() === trainee.toLowerCase()) && (!a.openOnly || x.status === 'open'))
    },
    'exports.chooseFolder': async (args) => {
      supervisorOnly('exports.chooseFolder')
      return { folder: parseApiArgs('exports.chooseFolder', args).typed ?? null }
    },
    'exports.sessionsCsv': async (args) => {
      supervisorOnly('exports.sessionsCsv')
      const a = parseApiArgs('exports.sessionsCsv', args)
      const { total } = query({ ...a.query, offset: 0, limit: 200 })
      return { file: `${a.folder}/${a.fileName}`, bytes: 100 * (total + 1), rows: total }
    },
    'exports.rulesCsv': async (args) => {
      supervisorOnly('exports.rulesCsv')
      const a = parseApiArgs('exports.rulesCsv', args)
      return { file: `${a.folder}/${a.fileName}`, bytes: 400, rows: 3 }
    },
    'exports.sessionPdf': async () => {
      supervisorOnly('exports.sessionPdf')
      throw new ApiError('conflict', 'PDF export needs the desktop app. In the browser preview, open the print view and use the browser’s Print (Ctrl+P) to save a PDF.')
    },
    'exports.printView': async (args) => ({ record: open(parseApiArgs('exports.printView', args).sessionId, false), generatedAt: deps.now() }),
  }

  function assignmentsView(): Assignment[] {
    return assignments.map((x) => {
      const attempt = deps
        .sessions()
        .filter((s) => s.info.trainee.toLowerCase() === x.trainee.toLowerCase() && s.info.scenarioId === x.scenarioId && s.info.startedAt >= x.assignedAt)
        .sort((p, q) => p.info.startedAt - q.info.startedAt)[0]
      const passed = attempt ? (attempt.report ? attempt.report.compliance === 'pass' : null) : null
      return { ...x, attempt: attempt ? { sessionId: attempt.info.sessionId, startedAt: attempt.info.startedAt, passed } : null, status: passed === true ? 'passed' : passed === false ? 'not-passed' : 'open' }
    })
  }

  function supervisorOnly(method: ReviewMethod): void {
    if (role !== 'supervisor' && !(TRAINEE_REVIEW_METHODS as readonly string[]).includes(method)) throw new ApiError('forbidden', `${method} needs supervisor mode: unlock it with the supervisor passphrase.`)
  }

  // Every method not open to trainees refuses before it does anything.
  for (const method of REVIEW_METHOD_NAMES) {
    const inner = impl[method] as (args: unknown) => Promise<unknown>
    ;(impl as Record<string, (args: unknown) => Promise<unknown>>)[method] = async (args: unknown) => {
      supervisorOnly(method)
      return inner(args)
    }
  }

  const profileName = (): string => {
    if (!profile) throw new ApiError('forbidden', 'Pick your profile first: a call is recorded under the profile you chose.')
    return profile.name
  }
  const pick = (name: string): Profile => {
    let p = profiles.find((x) => x.name.toLowerCase() === name.toLowerCase())
    if (!p) profiles.push((p = { id: `10000000-0000-4000-8000-${String(profiles.length + 1).padStart(12, '0')}`, name, createdAt: deps.now() }))
    profile = p
    role = 'trainee'
    supervisor = null
    return p
  }
  return { impl, reviewEvents, profiles, assignments, profileName, pick }
}
