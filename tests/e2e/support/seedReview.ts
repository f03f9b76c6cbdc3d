/**
 * Builds the data folder the review screens are shown and photographed on:
 * eight weeks of a small team's calls (golden transcripts from the library,
 * good paths and typical mistakes, the mistakes thinning out as the weeks go
 * by), some of them reviewed, two graded blind by two supervisors, a coaching
 * assignment, and, last, one finished assessment whose stored decisions were
 * then edited behind the app's back (the "corrupt session" case). The app
 * locks its database while it runs, so all of it is written here, through the
 * real services, before the bridge opens the folder:
 *
 *   tsx --tsconfig src-main/tsconfig.json tests/e2e/support/seedReview.ts --scenarios scenarios --data /tmp/x
 *
 * Prints one JSON line `{"tamperedSessionId": "...", "editedSeq": 3, ...}`.
 */
import Database from 'better-sqlite3'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { createServices } from '../../../src-main/services/index'
import type { CallerContext } from '../../../src-core/api/contract'
import { actionOf, type AgentAction } from '../../../src-core/session/events'
import { TranscriptFile, transcriptEvents } from '../../../src-core/session/transcript'
import { SEED_PASSPHRASE, SEED_SUPERVISOR } from './seedData'

export const TAMPERED_TRAINEE = 'Sam Keller'
const TRAINEES = ['Ana Ruiz', 'Ben Okafor', 'Chloe Martin', 'Dev Patel', 'Eli Novak', 'Farah Haddad']
const WEEKS = 8
const DAY = 86_400_000
const EDITED_SEQ = 3

function arg(name: string): string {
  const at = process.argv.indexOf(name)
  const value = at >= 0 ? process.argv[at + 1] : undefined
  if (!value) throw new Error(`seedReview.ts: missing ${name}`)
  return value
}

/** A fixed little generator, so every run seeds the same data. */
function seeded(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31
    return s / 2 ** 31
  }
}

async function main(): Promise<void> {
  const dataDir = arg('--data')
  const scenariosDir = arg('--scenarios')
  // Both clocks start eight weeks back and only move forward, as main's own would.
  let now = Date.now() - WEEKS * 7 * DAY
  const clock = () => now
  const services = await createServices({ dataDir, scenariosDir, clock, reviewClock: clock })
  const { api } = services
  const random = seeded(7)

  const library = path.join(scenariosDir, 'library')
  // Known bug, reported: the scorer can give half points (drowned-phone-abroad
  // expects 81.5) while the session store refuses a score that is not whole,
  // so such a call cannot end. Those transcripts are left out of the seed.
  const transcripts = readdirSync(library)
    .filter((f) => f.endsWith('.transcripts.yaml'))
    .map((f) => TranscriptFile.parse(parse(readFileSync(path.join(library, f), 'utf8'))))
    .map((file) => ({ ...file, transcripts: file.transcripts.filter((t) => t.expect.score === undefined || Number.isInteger(t.expect.score)) }))
    .filter((file) => file.transcripts.some((t) => t.kind === 'good'))

  async function play(trainee: string, scenarioId: string, actions: AgentAction[], mode: 'practice' | 'assessment'): Promise<string> {
    // A call is recorded under the profile its connection chose: each trainee plays on their own.
    const caller: CallerContext = { connection: `seed-${trainee.replace(/[^A-Za-z]/g, '')}` }
    const profile = (await api['profiles.list']({}, caller)).find((p) => p.name === trainee)!
    await api['profiles.select']({ profileId: profile.id }, caller)
    const { session } = await api['calls.start']({ scenarioId, mode }, caller)
    let step = 0
    for (const action of actions) {
      now += 6_000 + Math.floor(random() * 40_000)
      const view = await api['calls.act']({ sessionId: session.sessionId, step, action }, caller)
      step = view.step
      // The caller hung up or the call reached its end: what the transcript does next is not on offer.
      if (view.status === 'over') break
    }
    now += 2_000
    await api['calls.end']({ sessionId: session.sessionId }, caller)
    return session.sessionId
  }

  // Each trainee picks a profile before their first call, as in the app.
  for (const name of [...TRAINEES, TAMPERED_TRAINEE]) await api['profiles.create']({ name })

  const played: Array<{ sessionId: string; trainee: string; week: number }> = []
  const start = now
  for (let week = 0; week < WEEKS; week++) {
    for (const [t, trainee] of TRAINEES.entries()) {
      // Two calls a week every other week, one otherwise: enough for trends, quick to seed.
      for (let k = 0; k < (week % 2 === 0 ? 2 : 1); k++) {
        now = Math.max(now, start + week * 7 * DAY + (t * 2 + k) * 0.4 * DAY + 9 * 3_600_000)
        const file = transcripts[(week * 3 + t + k * 2) % transcripts.length]!
        // Everyone gets better over the weeks; some start stronger than others.
        const skill = 0.25 + 0.08 * t + 0.07 * week
        const good = file.transcripts.filter((x) => x.kind === 'good')
        const mistakes = file.transcripts.filter((x) => x.kind !== 'good')
        const pick = random() < skill || !mistakes.length ? good[0]! : mistakes[Math.floor(random() * mistakes.length)]!
        const actions = transcriptEvents(pick.actions).map(actionOf)
        const mode = (week + t + k) % 5 === 0 ? 'practice' : 'assessment'
        played.push({ sessionId: await play(trainee, file.scenario, actions, mode), trainee, week })
      }
    }
  }

  // Two supervisors, each on their own connection (as two windows would be).
  const ada: CallerContext = { connection: 'seed-ada' }
  const marco: CallerContext = { connection: 'seed-marco' }
  await api['role.setPassphrase']({ passphrase: SEED_PASSPHRASE, name: SEED_SUPERVISOR }, ada)
  await api['role.unlock']({ passphrase: SEED_PASSPHRASE, name: 'Marco Silva' }, marco)

  // Reviews of the first weeks: comments, an override, sign-off and publication; one dispute, ruled.
  const assessed = async (id: string) => (await api['review.open']({ sessionId: id, blind: false }, ada)).report !== null
  const early = []
  for (const p of played.filter((x) => x.week < 3)) if (await assessed(p.sessionId)) early.push(p)
  for (const [i, p] of early.slice(0, 10).entries()) {
    const record = await api['review.open']({ sessionId: p.sessionId, blind: false }, ada)
    const worst = record.steps.find((s) => s.judgements.length > 0)
    now += 3_600_000
    if (worst) await api['review.act']({ sessionId: p.sessionId, action: { type: 'comment', step: worst.seq, text: `${worst.judgements[0]!.message} Talk this one through with me.` } }, ada)
    await api['review.act']({ sessionId: p.sessionId, action: { type: 'comment', step: 0, text: 'Good control of the call overall; see the marked steps.' } }, ada)
    const lost = record.thread?.scores?.items.find((g) => g.auto < g.max && !g.id.startsWith('CF'))
    if (lost && i % 3 === 0) {
      await api['review.act']({ sessionId: p.sessionId, action: { type: 'override', item: lost.id, score: lost.max, reason: 'Covered on the call in other words; the scorer could not see it.' } }, ada)
    }
    await api['review.act']({ sessionId: p.sessionId, action: { type: 'sign-off' } }, ada)
    await api['review.act']({ sessionId: p.sessionId, action: { type: 'publish' } }, ada)
  }

  // Calibration: both supervisors grade three sessions blind, not quite alike.
  for (const p of early.slice(10, 13)) {
    const blind = await api['review.open']({ sessionId: p.sessionId, blind: true }, ada)
    const items = Object.fromEntries(blind.gradable.filter((g) => !g.critical).map((g) => [g.id, g.max]))
    const firstLost = blind.steps.length > 3 ? 'D1' : 'A1'
    await api['review.act']({ sessionId: p.sessionId, action: { type: 'blind-grade', items: { ...items, [firstLost]: 0 } } }, ada)
    await api['review.act']({ sessionId: p.sessionId, action: { type: 'blind-grade', items: { ...items, E1: 3 } } }, marco)
  }

  // Coaching: the trainee who struggles most is given the tactic they fall for.
  await api['coaching.assign']({ trainee: TRAINEES[0]!, tactic: 'breach-data', note: 'Date of birth and SSN are not factors: practise refusing them kindly.' }, ada)

  // Last: the corrupt session.
  now += DAY
  const tampered = await play(TAMPERED_TRAINEE, 'airport-stolen-phone', [{ type: 'check-account' }, { type: 'ask-pin' }, { type: 'deny' }, { type: 'offer-safe-path', path: 'store-with-id' }, { type: 'end-call' }], 'assessment')
  services.close()

  // What someone who owns the disk could do: drop the guard and move one decision's time.
  const db = new Database(path.join(dataDir, 'sessions.db'))
  db.exec('DROP TRIGGER events_no_update')
  db.prepare('UPDATE events SET at = at + 1 WHERE session_id = ? AND seq = ?').run(tampered, EDITED_SEQ)
  db.close()
  process.stdout.write(`${JSON.stringify({ tamperedSessionId: tampered, editedSeq: EDITED_SEQ, sessions: played.length + 1 })}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
