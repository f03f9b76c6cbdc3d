import { describe, expect, it } from 'vitest'
import type { AgentAction } from './events'
import { compileScenario, replay } from './compile'
import { eventsOf, makeScenario, TEST_RUBRIC } from '../testing/scenarios'

const play = (actions: AgentAction[], scenario = makeScenario()) => replay(compileScenario(scenario, TEST_RUBRIC.policy), 1, eventsOf(actions)).context
const linesOf = (ctx: ReturnType<typeof play>) => ctx.transcript.map((l) => `${l.speaker}: ${l.text}`)

describe('what the world says on the console before two factors (R2)', () => {
  it('names a read-back as the act, not the data, while the console is locked, and still scores it', () => {
    const ctx = play([{ type: 'confirm-detail', field: 'address' }])
    expect(linesOf(ctx)).toContain('agent: (Read out to the caller: postal address.)')
    expect(linesOf(ctx).join('\n')).not.toContain('1 Main St')
    expect(ctx.findings.map((f) => f.kind)).toContain('data-disclosed')
  })

  it('says the value once the console has opened on two factors', () => {
    const holder = makeScenario({ caller: 'legitimate', callerFacts: { identity: 'holder', knows: ['name', 'pin'], holds: ['device'] } })
    const ctx = play([{ type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }, { type: 'confirm-detail', field: 'address' }], holder)
    expect(linesOf(ctx)).toContain('agent: I can confirm that: postal address, 1 Main St.')
    expect(ctx.findings.map((f) => f.kind)).not.toContain('data-disclosed')
  })

  it('masks the email of record where it says a code went', () => {
    const lines = linesOf(play([{ type: 'send-otp', to: 'email-of-record' }]))
    expect(lines).toContain('system: Code sent to email of record: s••@example.com.')
    expect(lines.join('\n')).not.toContain('sam@example.com')
  })
})

describe('a high-risk change reads its own target', () => {
  const holder = (request: Parameters<typeof makeScenario>[0] extends infer O ? O extends { request?: infer R } ? R : never : never) =>
    makeScenario({ caller: 'legitimate', request, callerFacts: { identity: 'holder', knows: ['name', 'pin'], holds: ['device'] } })
  const verified: AgentAction[] = [{ type: 'ask-pin' }, { type: 'send-otp', to: 'line-of-record' }]

  it('sends a QR without a target to the email of record, even when the caller asked for another address', () => {
    const scenario = holder({ kind: 'esim-qr', target: 'new.me@example.net', summary: 'Send the QR to my new email' })
    const toRecord = play([...verified, { type: 'perform-hrt', kind: 'esim-qr', notify: true, hold: true }], scenario)
    expect(toRecord.hrts[0]!.target).toBeNull()
    expect(toRecord.findings.map((f) => f.kind)).not.toContain('destination-not-of-record')
    const asked = play([...verified, { type: 'perform-hrt', kind: 'esim-qr', notify: true, hold: true, target: 'new.me@example.net' }], scenario)
    expect(asked.hrts[0]!.target).toBe('new.me@example.net')
    expect(asked.findings.find((f) => f.kind === 'destination-not-of-record')?.message).toMatch(/an email the caller gave/)
  })

  it('changes the email to the one the trainee confirmed, and a QR sent there after is to a contact changed on this call', () => {
    const scenario = holder({ kind: 'change-email', target: 'asked@example.net', summary: 'New email' })
    const ctx = play(
      [...verified, { type: 'perform-hrt', kind: 'change-email', notify: true, hold: false, target: 'typed@example.net' }, { type: 'perform-hrt', kind: 'esim-qr', notify: true, hold: true }],
      scenario,
    )
    expect(ctx.contactChanges).toEqual([{ field: 'email', value: 'typed@example.net', seq: 3 }])
    expect(ctx.findings.find((f) => f.kind === 'destination-not-of-record')?.message).toMatch(/the email changed on this call/)
  })

  it('a change without its own target does what the caller asked (a log from before the console sent targets)', () => {
    const scenario = holder({ kind: 'change-email', target: 'asked@example.net', summary: 'New email' })
    expect(play([...verified, { type: 'perform-hrt', kind: 'change-email', notify: true, hold: false }], scenario).hrts[0]!.target).toBe('asked@example.net')
  })
})
