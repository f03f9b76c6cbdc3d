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
