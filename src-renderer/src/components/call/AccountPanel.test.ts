import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { compileScenario, startCall, advance, type CallSnapshot } from '@core/engine/compile'
import { DEFAULT_POLICY } from '@core/engine/policy'
import type { CallContext } from '@core/engine/world'
import type { Scenario } from '@core/scenario/schema'
import { consoleView } from '@core/session/consoleView'
import { airport } from '../../stores/testing/fakeBackend'
import AccountPanel from './AccountPanel.vue'

const scenario: Scenario = {
  ...airport,
  account: {
    ...airport.account,
    notes: [{ text: 'SIM changes in person only', binding: 'in-person-only' }],
    recentChanges: [{ field: 'email', daysAgo: 3 }],
    priorFailedAttempts: 1,
  },
}
const compiled = compileScenario(scenario, DEFAULT_POLICY)
const start = startCall(compiled, 7)
const opening = start.context

/** The panel as main's view of this moment lays it out. */
function panel(context: CallContext, practice = false) {
  const view = consoleView({ compiled, snapshot: { ...start, context } as CallSnapshot, events: [], mode: practice ? 'practice' : 'assessment' })
  return mount(AccountPanel, { props: { account: view.account, verification: view.verification, callingFrom: view.call.callingFrom, practice } })
}

const twoFactors: CallContext = {
  ...opening,
  passes: [
    { factor: 'pin', category: 'knowledge', valid: true, seq: 1, detail: 'PIN' },
    { factor: 'otp', category: 'possession', valid: true, seq: 2, detail: 'Line of record' },
  ],
}

describe('AccountPanel (R2)', () => {
  it('shows only the claimed name and the calling number before authentication', () => {
    const text = panel(opening).text()
    expect(text).toContain('Not authenticated')
    expect(text).toContain('Dana Whitfield')
    expect(text).toContain('+1 555 0199 777')
    for (const secret of [scenario.account.line, scenario.account.accountNumber, scenario.account.email.address, scenario.account.plan, scenario.account.device.model, 'SIM changes in person only']) {
      expect(text).not.toContain(secret)
    }
    expect(panel(opening).find('[data-testid="account-details"]').exists()).toBe(false)
  })

  it('names the rule behind the mask in practice only', () => {
    expect(panel(opening, true).find('[data-testid="account-masked"]').text()).toContain('(policy R2)')
    expect(panel(opening).find('[data-testid="account-masked"]').text()).not.toMatch(/R2|policy/)
  })

  it('opens notes, locks and history once the agent checks them, still without account details', () => {
    const checked = advance(compiled, startCall(compiled, 7), { seq: 1, at: 1, type: 'check-account' }).context
    const wrapper = panel(checked)
    const history = wrapper.find('[data-testid="account-history"]')
    expect(history.exists()).toBe(true)
    expect(history.text()).toContain('SIM changes in person only')
    expect(history.text()).toContain('1 before this call')
    expect(history.find('.note--binding').exists()).toBe(true)
    expect(wrapper.find('[data-testid="account-flags"]').text()).toContain('3 flags on file')
    expect(wrapper.text()).not.toContain(scenario.account.accountNumber)
    expect(wrapper.text()).not.toContain(scenario.account.email.address)
  })

  it('shows the account, with flags styled as warnings, once unlocked', () => {
    const wrapper = panel(twoFactors)
    const details = wrapper.find('[data-testid="account-details"]')
    expect(wrapper.text()).toContain('Authenticated')
    expect(details.text()).toContain(scenario.account.accountNumber)
    expect(details.text()).toContain(scenario.account.line)
    expect(details.text()).toContain(scenario.account.email.address)
    expect(details.text()).toContain('Recently changed')
    expect(wrapper.find('[data-testid="account-history"]').text()).toContain('SIM changes in person only')
    expect(wrapper.findAll('.flag--warn').length).toBeGreaterThan(0)
  })

  it('shows factor status chips with the failed-attempt count', () => {
    const ctx: CallContext = { ...twoFactors, failedAttempts: 1, pinGuessesUsed: 1 }
    const wrapper = panel(ctx)
    expect(wrapper.find('[data-chip="pin"]').text()).toMatch(/PIN.*passed/)
    expect(wrapper.find('[data-chip="code"]').text()).toMatch(/Code.*passed/)
    expect(wrapper.find('[data-chip="attempts"]').text()).toContain('1/2')
  })
})
