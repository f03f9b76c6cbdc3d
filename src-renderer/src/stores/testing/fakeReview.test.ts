import { describe, expect, it } from 'vitest'
import { ApiError } from '@core/api/contract'
import type { AgentAction } from '@core/session/events'
import { createFakeBackend } from './fakeBackend'

/** A call that gives the fraudster nothing but forgets the note and the escalation: deductions to review. */
const denial: AgentAction[] = [{ type: 'check-account' }, { type: 'ask-pin' }, { type: 'deny' }, { type: 'say', choice: 'sounds-like-fraud' }, { type: 'end-call' }]

async function played(backend = createFakeBackend(), trainee = 'Sam', mode: 'practice' | 'assessment' = 'assessment') {
  const { session } = await backend.startAs(trainee, { scenarioId: 'airport-stolen-phone', mode })
  let step = 0
  for (const action of denial) {
    const view = await backend.api['calls.act']({ sessionId: session.sessionId, step, action })
    step = view.step
  }
  await backend.api['calls.end']({ sessionId: session.sessionId })
  return { backend, sessionId: session.sessionId }
}

describe('the fake backend serves the review contract with main’s rules', () => {
  it('walks a review end to end: supervisor grades and publishes, the trainee disputes, the supervisor rules', async () => {
    const { backend, sessionId } = await played()
    const { api } = backend
    const sam = await api['profiles.create']({ name: 'Sam' })

    await expect(api['review.queue']({})).rejects.toMatchObject({ code: 'forbidden' })
    await api['role.setPassphrase']({ passphrase: 'correct horse', name: 'Ada' })
    const queue = await api['review.queue']({})
    expect(queue.awaitingReview.map((q) => q.sessionId)).toEqual([sessionId])

    const page = await api['sessions.query']({ compliance: 'pass' })
    expect(page.total).toBe(1)
    expect(page.rows[0]).toMatchObject({ sessionId, trainee: 'Sam', reviewState: 'awaiting-review', scoreSource: 'automatic' })

    const record = await api['review.open']({ sessionId })
    expect(record.steps.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5])
    expect(record.steps[3]!.linesAfter.some((l) => l.speaker === 'caller')).toBe(true)
    const step = await api['review.step']({ sessionId, step: 2 })
    expect(step.view.step).toBe(2)

    const d1 = record.report!.sections.flatMap((s) => s.items).find((i) => i.id === 'D1')!
    expect(d1.score).toBeLessThan(d1.max)
    await api['review.act']({ sessionId, action: { type: 'comment', step: 4, text: 'Never call a caller a fraud.' } })
    await api['review.act']({ sessionId, action: { type: 'override', item: 'E1', score: 5, reason: 'The note was in the CRM' } })
    await api['review.act']({ sessionId, action: { type: 'sign-off' } })
    const published = await api['review.act']({ sessionId, action: { type: 'publish' } })
    expect(published.state).toBe('published')
    expect(published.scores).toMatchObject({ countingSource: 'supervisor' })
    expect(published.scores!.human).toBeGreaterThan(published.scores!.auto)

    await api['profiles.select']({ profileId: sam.id })
    const mine = await api['review.open']({ sessionId })
    expect(mine.thread!.comments.map((c) => c.text)).toEqual(['Never call a caller a fraud.'])
    const disputed = await api['review.act']({ sessionId, action: { type: 'dispute', item: 'D1', reason: 'I was quoting policy' } })
    expect(disputed.state).toBe('disputed')

    await api['role.unlock']({ passphrase: 'correct horse', name: 'Ada' })
    expect((await api['review.queue']({})).awaitingRuling[0]).toMatchObject({ sessionId, items: ['D1'] })
    const ruled = await api['review.act']({ sessionId, action: { type: 'rule', item: 'D1', decision: 'upheld', reason: 'Accusatory wording' } })
    expect(ruled.state).toBe('resolved')
    expect(ruled.disputes[0]!.ruling).toMatchObject({ decision: 'upheld', by: 'Ada' })
  })

  it('keeps a trainee to their own sessions and unpublished reviews hidden', async () => {
    const { backend, sessionId } = await played()
    const { api } = backend
    const lee = await api['profiles.create']({ name: 'Lee' })
    await api['profiles.select']({ profileId: lee.id })
    expect((await api['sessions.query']({})).total).toBe(0)
    await expect(api['review.open']({ sessionId })).rejects.toBeInstanceOf(ApiError)
  })

  it('reports calibration agreement from blind grades', async () => {
    const { backend, sessionId } = await played()
    const { api } = backend
    await api['role.setPassphrase']({ passphrase: 'correct horse', name: 'Ada' })
    const blind = await api['review.open']({ sessionId, blind: true })
    expect(blind.report).toBeNull()
    expect(blind.steps.every((s) => s.judgements.length === 0)).toBe(true)
    await api['review.act']({ sessionId, action: { type: 'blind-grade', items: { D1: 0, E1: 5 } } })
    await api['role.unlock']({ passphrase: 'correct horse', name: 'Bo' })
    await api['review.act']({ sessionId, action: { type: 'blind-grade', items: { D1: 5, E1: 5 } } })
    const report = await api['calibration.report']({})
    const d1 = report.sessions[0]!.items.find((i) => i.id === 'D1')!
    expect(d1).toMatchObject({ grades: { Ada: 0, Bo: 5 }, humanSpread: 100, flagged: true })
    expect(report.perItem.find((i) => i.id === 'E1')!.agreement.humanHuman).toBe(1)
  })
})
