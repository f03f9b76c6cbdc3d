import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import type { HrtKind } from '@core/scenario/vocabulary'
import type { TargetField } from '@core/session/consoleView'
import HrtConfirmDialog from './HrtConfirmDialog.vue'

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

const FORWARDING: TargetField = { type: 'number', label: 'Forward calls to (phone number)', asked: '+1 555 0150 882', emptyMeans: null }
const QR: TargetField = { type: 'email', label: 'Send the QR code to (email address)', asked: null, emptyMeans: 'Email of record' }

function open(kind: HrtKind, target?: TargetField) {
  wrapper = mount(HrtConfirmDialog, {
    props: { kind, passes: [], failedAttempts: 0, shortHoldMinutes: 10, remoteHoldHours: 24, ...(target ? { target } : {}) },
    attachTo: document.body,
  })
  return wrapper
}
const placeOrder = (w: VueWrapper) => w.findAll('button').find((b) => b.text() === 'Place order')!.trigger('click')
const confirmed = (w: VueWrapper) => w.emitted('confirm') as Array<[Record<string, unknown>]> | undefined

describe('the high-risk confirmation’s target field', () => {
  it('is labelled, prefilled with what the caller asked, and sent with the order', async () => {
    const w = open('call-forwarding', FORWARDING)
    const input = w.get<HTMLInputElement>('input[name="target"]')
    expect(w.get('label[for="hrt-target"]').text()).toBe('Forward calls to (phone number)')
    expect(input.attributes('id')).toBe('hrt-target')
    expect(input.element.value).toBe('+1 555 0150 882')
    expect(input.attributes('inputmode')).toBe('tel')
    expect(input.attributes('aria-required')).toBe('true')
    expect(w.get('#hrt-target-hint').text()).toBe('The caller asked for +1 555 0150 882.')
    await w.get('input[name="notify"]').setValue(true)
    await placeOrder(w)
    expect(confirmed(w)).toEqual([[{ notify: true, hold: false, target: '+1 555 0150 882' }]])
  })

  it('sends what the trainee typed instead', async () => {
    const w = open('call-forwarding', FORWARDING)
    await w.get('input[name="target"]').setValue('  +1 555 0100 999 ')
    await placeOrder(w)
    expect(confirmed(w)).toEqual([[{ notify: false, hold: false, target: '+1 555 0100 999' }]])
  })

  it('will not place the order with a target that will not do: says why, marks the field and puts the keyboard on it', async () => {
    const w = open('call-forwarding', FORWARDING)
    const input = w.get<HTMLInputElement>('input[name="target"]')
    await input.setValue('my husband')
    await placeOrder(w)
    await flushPromises()
    expect(confirmed(w)).toBeUndefined()
    expect(w.get('#hrt-target-error').text()).toBe('"my husband" is not a phone number (digits, spaces, brackets, hyphens and a leading +, e.g. "+1 555 0150 882").')
    expect(w.get('#hrt-target-error').attributes('role')).toBe('alert')
    expect(input.attributes('aria-invalid')).toBe('true')
    expect(input.attributes('aria-describedby')).toContain('hrt-target-error')
    expect(document.activeElement).toBe(input.element)
    await input.setValue('')
    expect(input.attributes('aria-invalid')).toBe('false')
    await placeOrder(w)
    expect(w.get('#hrt-target-error').text()).toBe('Enter the phone number before placing the order.')
    expect(confirmed(w)).toBeUndefined()
  })

  it('may be left empty where that means the contact of record, and then sends no target', async () => {
    const w = open('esim-qr', QR)
    const input = w.get<HTMLInputElement>('input[name="target"]')
    expect(input.element.value).toBe('')
    expect(input.attributes('placeholder')).toBe('Email of record')
    expect(input.attributes('aria-required')).toBe('false')
    expect(w.get('#hrt-target-hint').text()).toBe('Leave empty to use the email of record.')
    await placeOrder(w)
    expect(confirmed(w)).toEqual([[{ notify: false, hold: false }]])
  })

  it('has no field for a kind without a target', async () => {
    const w = open('sim-change')
    expect(w.find('input[name="target"]').exists()).toBe(false)
    await placeOrder(w)
    expect(confirmed(w)).toEqual([[{ notify: false, hold: false }]])
  })
})
