import { spawnSync } from 'node:child_process'
import { hash as digest, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import type { ApiArgs, SessionQuery } from '@core/api/contract'
import type { CompiledScenario } from '@core/engine/compile'
import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import type { Rubric } from '@core/scoring/rubric'
import type { ScoreReport } from '@core/scoring/report'
import { scoreSession } from '@core/scoring/scorer'
import { CHOOSER_PARAMS, type ChooserAction } from '@core/session/consoleView'
import type { AgentAction, SessionEvent } from '@core/session/events'
import { LiveCallState } from '@core/session/liveCall'
import { NOTE_ITEMS } from '@core/scenario/vocabulary'
import { seededRandom } from '@core/engine/random'
import { canonicalJson } from '../src-main/services/canonicalJson'
import { createServices, type Services } from '../src-main/services/index'
import { ReviewService } from '../src-main/services/review'
import { pageSql, ReviewStore, ROWS_BY_IDS_SQL, type ParsedQuery } from '../src-main/services/reviewStore'
import { SupervisorLock } from '../src-main/services/supervisorLock'
import { canonicalRecord, checkedWhole, genesisHash, LOG_TEXT_SQL, logDigestOf, reportHashOf, sealHash, SessionStore } from '../src-main/services/sessionStore'
import type { BenchResult, BenchRow } from './types'
import { median, percentile } from './types'

/**
 * Supervisor review at scale (issue 9): 100,000 sessions, 3,000,000 events,
 * 200 trainees, in a real session database (real chains and seals) with
 * review's index filled by the real ReviewStore. Generated once, in one
 * transaction with prepared statements, and kept under the system temp
 * folder (or PRETEXT_BENCH_DATA) so reruns start at once.
 *
 * Every figure is measured against the same statements run bare through
 * better-sqlite3 in the same run: the service's own work on top of SQL is
 * the per-row check (every event re-hashed, the seal, the index signature,
 * the review chain) and shaping the answer.
 */

/** 4: scenario versions pinned with schemaVersion 2 (version 3's data no longer loads). 6: seals commit to the log's digest. */
const GENERATOR_VERSION = 6
const SESSIONS = 100_000
const TRAINEES = 200
const EVENTS_PER_SESSION = 30
const RSS_RUNS = 5
const REPO = resolve(__dirname, '..')
const SCENARIOS = join(REPO, 'scenarios')
const DATA = process.env.PRETEXT_BENCH_DATA ?? join(tmpdir(), `pretext-bench-review-v${GENERATOR_VERSION}`)
const YEAR = 365 * 86_400_000
const START = Date.UTC(2026, 0, 1)

const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)

interface Template {
  scenarioId: string
  title: string
  hash: string
  seed: number
  /** Events with `at` relative to the call's start. */
  events: SessionEvent[]
  payloads: string[]
  report: ScoreReport
  reportJson: string
}

interface Generated {
  sessions: number
  events: number
  trainees: number
  longSessionId: string
  generatedMs: number
}

/** A call taken by picking, at random, among what the console offers at each step; ends by hanging up. */
function walk(compiled: CompiledScenario, seed: number, random: () => number, steps: number, keepGoing = false): SessionEvent[] {
  const call = new LiveCallState(compiled, seed, 'assessment')
  let at = 0
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  for (let i = 0; i < steps - 1 && !call.over; i++) {
    const view = call.view
    const types = view.actions.filter((t) => t !== 'end-call' && (!keepGoing || !['deny', 'perform-hrt', 'suspend-line', 'escalate'].includes(t)))
    if (!types.length) break
    const type = view.choices.length && random() < 0.3 ? 'say' : pick(types)
    let action: AgentAction
    if (type === 'say') {
      if (!view.choices.length) continue
      action = { type: 'say', choice: pick(view.choices).id }
    } else if (type === 'note') {
      action = { type: 'note', items: NOTE_ITEMS.filter(() => random() < 0.5), text: `Note ${i}: caller asked again; factors checked as shown.` }
    } else if (type === 'perform-hrt') {
      action = { type: 'perform-hrt', kind: pick(view.options['perform-hrt']).id as never, notify: random() < 0.5, hold: random() < 0.5 }
    } else if (type in CHOOSER_PARAMS) {
      const param = CHOOSER_PARAMS[type as ChooserAction]
      action = { type, [param]: pick(view.options[type as ChooserAction]).id } as AgentAction
    } else {
      action = { type } as AgentAction
    }
    at += 2_000 + Math.floor(random() * 20_000)
    const prepared = call.prepare(view.step, action, at)
    if ('refused' in prepared) continue
    call.commit(prepared.event)
  }
  if (!call.over || call.view.actions.includes('end-call')) {
    const prepared = call.prepare(call.view.step, { type: 'end-call' }, at + 3_000)
    if ('event' in prepared) call.commit(prepared.event)
  }
  return [...call.events]
}

function templateOf(compiled: CompiledScenario, hash: string, rubric: Rubric, seed: number, events: SessionEvent[]): Template {
  const report = scoreSession(compiled, rubric, seed, events)
  return {
    scenarioId: compiled.scenario.id,
    title: compiled.scenario.title,
    hash,
    seed,
    events,
    payloads: events.map(({ seq: _s, at: _a, type: _t, ...payload }) => canonicalJson(payload)),
    report,
    reportJson: canonicalJson(report),
  }
}

const sha256 = (text: string) => digest('sha256', text, 'hex')

/** Builds the database once (or finds it built): real chains, seals and review index, in one transaction each. */
async function ensureData(rubric: Rubric): Promise<Generated> {
  const marker = join(DATA, 'generated.json')
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8')) as Generated
  const t0 = performance.now()
  rmSync(DATA, { recursive: true, force: true })
  mkdirSync(DATA, { recursive: true })

  // Pin every library scenario through the real library, then close: the raw writer below must be alone.
  const services = await createServices({ dataDir: DATA, scenariosDir: SCENARIOS, parse })
  const random = seededRandom(20261201)
  const templates: Template[] = []
  const fractional: string[] = []
  const pinned: Array<{ compiled: CompiledScenario; hash: string; tier: number }> = []
  for (const summary of services.library.list()) {
    const { hash, compiled } = await services.library.pinVersion(summary.id)
    pinned.push({ compiled, hash, tier: compiled.scenario.tier })
    for (let k = 0; k < 12; k++) {
      const seed = 1000 + templates.length
      // Most calls keep going to their length (10-50 decisions); some end as soon as they can.
      const t = templateOf(compiled, hash, rubric, seed, walk(compiled, seed, random, 10 + Math.floor(random() * 51), k % 4 !== 0))
      // The store seals whole-number scores only (finishSession refuses others): such a call could not be stored.
      if (Number.isInteger(t.report.score)) templates.push(t)
      else fractional.push(`${t.scenarioId} seed ${seed}: ${t.report.score}`)
    }
  }
  if (fractional.length) process.stdout.write(`review bench: ${fractional.length} generated calls scored a fraction, which the store cannot seal: ${fractional.join('; ')}\n`)
  const first = pinned[0]!
  let longEvents = walk(first.compiled, 99, random, 200, true)
  if (longEvents.length < 200) {
    // Notes can be taken in any state: pad to exactly 200 decisions, the hang-up last.
    const body = longEvents.filter((e) => e.type !== 'end-call')
    let at = body[body.length - 1]?.at ?? 0
    while (body.length < 199) body.push({ seq: body.length + 1, at: (at += 2_000), type: 'note', items: ['factors'], text: `Note ${body.length}` })
    longEvents = [...body, { seq: 200, at: at + 2_000, type: 'end-call' } as SessionEvent]
  }
  const long = templateOf(first.compiled, first.hash, rubric, 99, longEvents)
  services.close()
  const tierOf = new Map(pinned.map((p) => [p.hash, p.tier]))
  // Calls shorter and longer than 30 decisions, mixed so that sessions average 30 (3,000,000 events in all).
  const short = templates.filter((t) => t.events.length < EVENTS_PER_SESSION)
  const longer = templates.filter((t) => t.events.length >= EVENTS_PER_SESSION)
  const mean = (ts: Template[]) => ts.reduce((n, t) => n + t.events.length, 0) / ts.length
  // One session in twenty is interrupted halfway (no seal), so sealed ones aim a little higher.
  const target = EVENTS_PER_SESSION / (0.95 + 0.05 * 0.5)
  const pLonger = (target - mean(short)) / (mean(longer) - mean(short))

  const dbPath = join(DATA, 'sessions.db')
  const db = new Database(dbPath)
  db.pragma('synchronous = OFF')
  const insertSession = db.prepare(
    `INSERT INTO sessions (id, scenario_id, scenario_title, scenario_hash, engine_version, rubric_version, mode, trainee, seed, started_at, chain_version, genesis_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 2, ?)`,
  )
  const insertEvent = db.prepare('INSERT INTO events (session_id, seq, at, type, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const seal = db.prepare(
    `UPDATE sessions SET status = 'finished', ended_at = ?, score_cache = ?, score = ?, compliance = ?, sealed_count = ?, sealed_head = ?, seal_hash = ?, log_digest = ? WHERE id = ?`,
  )
  const logText = db.prepare(LOG_TEXT_SQL)
  const interrupt = db.prepare(`UPDATE sessions SET status = 'interrupted' WHERE id = ?`)
  const made: Array<{ id: string; t: Template; trainee: string; mode: 'practice' | 'assessment'; startedAt: number; endedAt: number | null; sealed: boolean; eventCount: number; sealHash: string | null }> = []
  let events = 0
  let longSessionId = ''
  db.transaction(() => {
    for (let i = 0; i < SESSIONS; i++) {
      const isLong = i === SESSIONS - 1
      const pool = random() < pLonger ? longer : short
      const t = isLong ? long : pool[Math.floor(random() * pool.length)]!
      const id = randomUUID()
      const trainee = `Trainee ${String(Math.floor(random() * TRAINEES)).padStart(3, '0')}`
      const mode = isLong || random() < 0.85 ? 'assessment' : 'practice'
      const startedAt = START + Math.floor((i / SESSIONS) * YEAR) + Math.floor(random() * 60_000)
      const sealed = isLong || random() < 0.95
      const count = sealed ? t.events.length : Math.max(1, Math.floor(t.events.length / 2))
      const fields = { sessionId: id, scenarioId: t.scenarioId, scenarioTitle: t.title, scenarioHash: t.hash, engineVersion: 1, rubricVersion: rubric.version, mode, trainee, seed: t.seed, startedAt } as const
      const genesis = genesisHash(fields)
      insertSession.run(id, t.scenarioId, t.title, t.hash, 1, rubric.version, mode, trainee, t.seed, startedAt, genesis)
      let prev = genesis
      for (let k = 0; k < count; k++) {
        const e = t.events[k]!
        const at = startedAt + e.at
        const hash = sha256(`${prev}\n${canonicalRecord(id, e.seq, at, e.type, t.payloads[k]!)}`)
        insertEvent.run(id, e.seq, at, e.type, t.payloads[k]!, prev, hash)
        prev = hash
      }
      events += count
      let endedAt: number | null = null
      let sealHex: string | null = null
      if (sealed) {
        endedAt = startedAt + t.events[count - 1]!.at + 1_000
        const text = logText.get(JSON.stringify([id])) as { log: string }
        const logDigest = logDigestOf(id, genesis, null, text.log)
        sealHex = sealHash(prev, id, { eventCount: count, endedAt, score: t.report.score, compliance: t.report.compliance, reportJson: t.reportJson, logDigest })
        seal.run(endedAt, t.reportJson, t.report.score, t.report.compliance, count, prev, sealHex, logDigest, id)
      } else {
        interrupt.run(id)
      }
      if (isLong) longSessionId = id
      made.push({ id, t, trainee, mode, startedAt, endedAt, sealed, eventCount: count, sealHash: sealHex })
    }
  })()
  db.close()

  // The review index, written by the real ReviewStore in one transaction.
  const store = new SessionStore({ path: dbPath })
  if (!store.health.ok) throw new Error(store.health.message)
  const reviews = new ReviewStore(store, Date.now)
  reviews.indexMany(
    (function* () {
      for (const m of made) {
        const report = m.sealed ? m.t.report : null
        yield {
          facts: {
            sessionId: m.id,
            trainee: m.trainee,
            scenarioId: m.t.scenarioId,
            scenarioTitle: m.t.title,
            tier: tierOf.get(m.t.hash) as 1 | 2 | 3,
            mode: m.mode,
            startedAt: m.startedAt,
            endedAt: m.endedAt,
            report,
            sealHash: m.sealHash,
            reportHash: report ? reportHashOf(m.t.reportJson) : null,
            eventCount: m.eventCount,
          },
          review: {
            state: report && m.mode === 'assessment' ? ('awaiting-review' as const) : ('none' as const),
            score: report?.score ?? null,
            source: report ? ('automatic' as const) : null,
            compliance: report?.compliance ?? null,
            waitingSince: report && m.mode === 'assessment' ? m.endedAt : null,
            disputeItems: [],
          },
        }
      }
    })(),
  )
  store.close()
  const generated: Generated = { sessions: SESSIONS, events, trainees: TRAINEES, longSessionId, generatedMs: Math.round(performance.now() - t0) }
  writeFileSync(marker, JSON.stringify(generated))
  return generated
}

/** The trend figures as SQL aggregates over the same filtered rows (the scan's WHERE), bucketed by week. */
function groupByTrendSql(scanSql: string): string[] {
  const where = scanSql.slice(scanSql.indexOf(' WHERE ') + 7)
  const DAY = 86_400_000
  const week = `((((f.started_at - ${4 * DAY}) / ${7 * DAY}) * ${7 * DAY}) + ${4 * DAY})`
  const from = `FROM review_facts f WHERE ${where}`
  return [
    `SELECT f.scenario_id, ${week} AS at, count(*), sum(f.compliance = 'pass'), sum(f.critical > 0) ${from} GROUP BY 1, 2`,
    `SELECT f.trainee, ${week} AS at, count(*), sum(f.compliance = 'pass'), sum(f.critical > 0) ${from} GROUP BY 1, 2`,
    `SELECT f.trainee, ${week} AS at, count(*), sum(f.false_positive) ${from} AND f.caller_type = 'legitimate' GROUP BY 1, 2`,
    `SELECT f.trainee, f.tactics_used, f.tactics_fell, count(*) ${from} GROUP BY 1, 2, 3`,
    `SELECT f.rules_mask, count(*) ${from} GROUP BY 1`,
  ]
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100
}

/** Alternates the service and its bare SQL, `runs` times each, after a warm-up; medians of both. */
async function compare(runs: number, service: () => Promise<unknown>, bare: () => unknown): Promise<{ service: number; bare: number; p95: number }> {
  for (let i = 0; i < 3; i++) {
    await service()
    bare()
  }
  const s: number[] = []
  const b: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await service()
    const t1 = performance.now()
    bare()
    const t2 = performance.now()
    s.push(t1 - t0)
    b.push(t2 - t1)
  }
  return { service: median(s), bare: median(b), p95: percentile(s, 0.95) }
}

export async function benchReview(rubric: Rubric): Promise<BenchResult> {
  const generated = await ensureData(rubric)
  const rows: BenchRow[] = []
  rows.push({ metric: `data: ${generated.sessions.toLocaleString('en')} sessions, ${generated.events.toLocaleString('en')} events, ${generated.trainees} trainees (generated once)`, value: generated.generatedMs, unit: 'ms' })

  const t0 = performance.now()
  const services: Services = await createServices({ dataDir: DATA, scenariosDir: SCENARIOS, parse })
  const openMs = performance.now() - t0
  if (!services.store.health.ok) throw new Error(services.store.health.message)
  // The sweep started as the services opened; nothing else runs until it ends.
  const s0 = performance.now()
  await services.review.start()
  const sweepMs = performance.now() - s0
  rows.push({ metric: 'open the services on that database (integrity check included)', value: round(openMs), unit: 'ms' })
  rows.push({ metric: 'open-time sweep, in the background: every session checked whole (its digest or every link, the seal), its index row checked', value: round(sweepMs), unit: 'ms' })
  const caller = { connection: 'bench' }
  const passphrase = 'correct horse battery'
  await services.api['role.setPassphrase']({ passphrase, name: 'Bench' }, caller).catch(async () => {
    const unlocked = await services.api['role.unlock']({ passphrase, name: 'Bench' }, caller)
    if (!unlocked.ok) throw new Error(unlocked.message)
  })
  const db = services.store.connection('read')

  const filters: Array<[string, SessionQuery]> = [
    ['one trainee, failed, newest first', { trainee: 'Trainee 042', compliance: 'fail' }],
    ['one scenario, assessments, one month', { scenarioId: 'read-back-fishing', mode: 'assessment', from: START + 90 * 86_400_000, to: START + 120 * 86_400_000 }],
    ['awaiting review, score 50-100, by score', { reviewState: 'awaiting-review', scoreMin: 50, sort: 'score', direction: 'asc' }],
    ['legitimate callers refused or over-verified', { falsePositive: true }],
    ['everything, page 20', { offset: 950 }],
  ]
  const { parseApiArgs } = await import('@core/api/contract')
  const statements = filters.map(([, query]) => {
    const sql = pageSql(parseApiArgs('sessions.query', query) as ParsedQuery)
    return { sql, page: db.prepare(sql.page), count: db.prepare(sql.count).pluck(), events: db.prepare(SessionStore.EVENTS_OF_MANY_SQL), logs: db.prepare(LOG_TEXT_SQL) }
  })

  // First sight: a list of rows this process has not verified yet, as right after the app opens
  // (before the sweep reaches them). A fresh review service each run (unlocked outside the timing; it never sweeps),
  // on the same open store, so every row's whole record is checked. Its bare SQL: the same statements
  // (the page, its count, the log text of the rows sealed with a digest, the events of the others, each
  // in one read), rows materialised, nothing checked.
  const fresh = async () => {
    const review = new ReviewService({
      store: services.store,
      reviews: new ReviewStore(services.store, Date.now),
      sessions: services.sessions,
      library: services.library,
      rubric: services.rubric,
      lock: new SupervisorLock({ file: join(DATA, 'supervisor.json') }),
    })
    const api = review.api()
    const unlocked = await api['role.unlock']({ passphrase, name: 'Bench' }, caller)
    if (!unlocked.ok) throw new Error(unlocked.message)
    return api
  }
  for (const [i, [label, query]] of filters.entries()) {
    const { sql, page, count, events, logs } = statements[i]!
    const bare = () => {
      const listed = page.all(sql.pageParams) as Array<{ id: string; seal_hash: string | null; log_digest: string | null }>
      count.get(sql.params)
      const digested = listed.filter(checkedWhole)
      const walked = listed.filter((r) => !checkedWhole(r))
      if (digested.length) logs.all(JSON.stringify(digested.map((r) => r.id)))
      if (walked.length) events.all(JSON.stringify(walked.map((r) => r.id)))
    }
    for (let k = 0; k < 2; k++) bare()
    const s: number[] = []
    const b: number[] = []
    for (let k = 0; k < 10; k++) {
      const api = await fresh()
      const a = performance.now()
      const result = await api['sessions.query'](query, caller)
      const m = performance.now()
      bare()
      const e = performance.now()
      if (result.rows.some((r) => !r.verification.ok)) throw new Error(`review bench: a generated session fails its check: ${result.rows.find((r) => !r.verification.ok)!.verification.message}`)
      s.push(m - a)
      b.push(e - m)
    }
    rows.push({
      metric: `filtered list, first sight: ${label} (every row's record checked whole; median of 10)`,
      value: round(median(s)),
      unit: 'ms',
      baseline: round(median(b)),
      ratio: round(median(s) / median(b)),
      target: '< 50 ms, ≤ 1.5x bare SQL',
    })
  }

  // The figures below mean something only if every generated row verifies.
  const check = await services.api['trends.get']({}, caller)
  if (check.tampered !== 0) throw new Error(`review bench: ${check.tampered} generated sessions fail their check`)
  const long = await services.api['review.open']({ sessionId: generated.longSessionId }, caller)
  if (!long.verification.ok || !long.report || long.steps.length !== 200) throw new Error(`review bench: the 200-event session does not open whole: ${long.verification.message}`)

  // After the sweep (or a first sight): every record verified in this process, so a list reads no
  // events; its bare SQL is the page and its count.
  for (const [i, [label, query]] of filters.entries()) {
    const { sql, page, count } = statements[i]!
    const r = await compare(
      30,
      () => services.api['sessions.query'](query, caller),
      () => {
        page.all(sql.pageParams)
        count.get(sql.params)
      },
    )
    rows.push({ metric: `filtered list, records verified: ${label} (median of 30)`, value: round(r.service), unit: 'ms', baseline: round(r.bare), ratio: round(r.service / r.bare), target: '< 50 ms, ≤ 1.5x bare SQL' })
  }

  const trendArgs: Array<[string, ApiArgs<'trends.get'>]> = [
    ['whole team, by week', { bucket: 'week' }],
    ['one trainee, by month', { trainee: 'Trainee 007', bucket: 'month' }],
  ]
  for (const [label, args] of trendArgs) {
    const scan = services.review.trendScan({ ...args })
    const stmt = db.prepare(scan.sql).raw(true)
    // Bare: the same scan, stepped through row by row as the service does.
    const r = await compare(
      10,
      () => services.api['trends.get'](args, caller),
      () => {
        let n = 0
        for (const row of stmt.iterate(scan.params) as IterableIterator<unknown[]>) n += row.length
        return n
      },
    )
    rows.push({ metric: `trend aggregates: ${label} (median of 10)`, value: round(r.service), unit: 'ms', baseline: round(r.bare), ratio: round(r.service / r.bare), target: '< 200 ms, ≤ 1.5x bare SQL' })
    // The same figures as SQL aggregates (five GROUP BY statements), for comparison: what the one pass replaced.
    const groupBy = groupByTrendSql(scan.sql)
    const statements = groupBy.map((sql) => db.prepare(sql))
    const g = await compare(5, () => services.api['trends.get'](args, caller), () => {
      for (const st of statements) st.all(scan.params)
    })
    rows.push({ metric: '  same figures from five SQL GROUP BY aggregates (baseline), median of 5', value: round(g.service), unit: 'ms', baseline: round(g.bare), ratio: round(g.service / g.bare) })
  }

  // A 200-event session: open it, then jump to random steps.
  const random = seededRandom(7)
  const openTimes: number[] = []
  const stepTimes: number[] = []
  for (let i = 0; i < 20; i++) {
    const a = performance.now()
    await services.api['review.open']({ sessionId: generated.longSessionId }, caller)
    const b = performance.now()
    await services.api['review.step']({ sessionId: generated.longSessionId, step: Math.floor(random() * 201) }, caller)
    const c = performance.now()
    openTimes.push(b - a)
    stepTimes.push(c - b)
  }
  rows.push({ metric: 'review.open of a 200-event session (median of 20)', value: round(median(openTimes)), unit: 'ms', target: '< 50 ms' })
  rows.push({ metric: 'review.step to a random step of it (median of 20)', value: round(median(stepTimes)), unit: 'ms', target: '< 50 ms' })
  rows.push({ metric: 'review.step to a random step of it (max of 20)', value: round(Math.max(...stepTimes)), unit: 'ms' })

  // Exports of the whole list, after the sweep: every row read, checked and written, 200 rows a turn
  // of the event loop. Bare: the match's ids and the same chunks of rows read by id, nothing checked.
  const outDir = join(tmpdir(), `pretext-bench-exports-${process.pid}`)
  mkdirSync(outDir, { recursive: true })
  try {
    const everything = parseApiArgs('sessions.query', {}) as ParsedQuery
    const ids = db.prepare(pageSql(everything).ids).pluck()
    const byIds = db.prepare(ROWS_BY_IDS_SQL)
    const b0 = performance.now()
    const all = ids.all(pageSql(everything).params) as string[]
    for (let from = 0; from < all.length; from += 200) byIds.all(JSON.stringify(all.slice(from, from + 200)))
    const bareMs = performance.now() - b0
    for (const [label, method] of [
      ['CSV of the whole list', 'exports.sessionsCsv'],
      ['per-rule CSV of the whole list (every report read)', 'exports.rulesCsv'],
    ] as const) {
      const t0 = performance.now()
      const written = await services.api[method]({ query: {}, folder: outDir, fileName: `${method}.csv` }, caller)
      const ms = performance.now() - t0
      rows.push({ metric: `${label}, ${all.length.toLocaleString('en')} sessions (${(written.rows ?? 0).toLocaleString('en')} rows, ${written.bytes >= 1e6 ? `${Math.round(written.bytes / 1e5) / 10} MB` : `${Math.round(written.bytes / 100) / 10} kB`})`, value: Math.round(ms), unit: 'ms', baseline: Math.round(bareMs), ratio: round(ms / bareMs) })
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
  services.close()

  // RSS of a fresh process with that database open and used, as main would be: the child is built
  // as the app's main process is (electron-vite, bench/reviewRss.vite.config.ts) and run by plain
  // node, so the figure is not inflated by tsx compiling TypeScript as it loads.
  const { build } = await import('electron-vite')
  await build({ configFile: join(__dirname, 'reviewRss.vite.config.ts'), root: REPO, logLevel: 'error' })
  // Five fresh processes: how much of the young generation V8 has grown, and not yet collected, varies from run to run.
  type Rss = { rssMb: number; heapMb: number; steps: Record<'open' | 'sweep' | 'list' | 'trends', number> }
  const runs: Rss[] = []
  for (let k = 0; k < RSS_RUNS; k++) {
    const child = spawnSync(process.execPath, [join(REPO, 'out', 'bench-rss', 'reviewRss.js'), DATA, SCENARIOS, generated.longSessionId], { cwd: REPO, encoding: 'utf8' })
    if (child.status !== 0) throw new Error(`reviewRss failed: ${child.stderr}`)
    runs.push(JSON.parse(child.stdout.trim()) as Rss)
  }
  runs.sort((a, b) => a.rssMb - b.rssMb)
  const rss = runs[Math.floor(runs.length / 2)]!
  rows.push({
    metric: `main process RSS with that database open, after sweep, list, trends and replay (built main code, plain node; median of ${RSS_RUNS} processes, ${runs[0]!.rssMb}-${runs.at(-1)!.rssMb} MB)`,
    value: rss.rssMb,
    unit: 'MB',
    target: '< 150 MB',
  })
  rows.push({ metric: `  that process: after open ${rss.steps.open} MB, sweep ${rss.steps.sweep} MB, list ${rss.steps.list} MB, trends ${rss.steps.trends} MB; JavaScript heap used`, value: rss.heapMb, unit: 'MB' })
  return { name: 'Supervisor review (100,000 sessions)', rows }
}
