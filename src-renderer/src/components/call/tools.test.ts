import { describe, expect, it } from 'vitest'
import { AGENT_ACTIONS } from '@core/scenario/vocabulary'
import { isChooserAction } from './choosers'
import { choiceIndexForKey, NOTE_FIELD_KEY, optionIndexForKey, optionKey, TOOLS, toolForKey, toolsIn } from './tools'

describe('console shortcuts', () => {
  it('give every tool its own key', () => {
    const keys = [...TOOLS.map((t) => t.key), NOTE_FIELD_KEY]
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys.every((k) => /^[A-Z]$/.test(k))).toBe(true)
  })

  it('map the documented keys to their actions', () => {
    const expected: Record<string, string> = {
      P: 'ask-pin',
      O: 'send-otp',
      K: 'ask-knowledge',
      C: 'confirm-detail',
      I: 'use-caller-id',
      N: 'check-account',
      S: 'suspend-line',
      F: 'flag-account',
      M: 'notify-customer',
      E: 'escalate',
      A: 'offer-safe-path',
      D: 'deny',
      H: 'perform-hrt',
      B: 'callback-verify',
      V: 'check-id',
    }
    for (const [key, action] of Object.entries(expected)) {
      expect(toolForKey(key)?.action, key).toBe(action)
      expect(toolForKey(key.toLowerCase())?.action, key.toLowerCase()).toBe(action)
    }
  })

  it('cover every agent action except those with their own controls', () => {
    const covered = new Set<string>(TOOLS.map((t) => t.action))
    const ownControls = new Set(['say', 'note', 'end-call'])
    expect(AGENT_ACTIONS.filter((a) => !covered.has(a) && !ownControls.has(a))).toEqual([])
  })

  it('open a chooser for the actions that need a parameter', () => {
    const chooses = (key: string) => isChooserAction(toolForKey(key)!.action)
    expect(['o', 'k', 'c', 'e', 'a', 'h', 'v'].filter(chooses)).toEqual(['o', 'k', 'c', 'e', 'a', 'h', 'v'])
    expect(chooses('p')).toBe(false)
  })

  it('show the photo-ID check at a store counter only', () => {
    const verifyTools = (channel: 'phone' | 'store' | 'message') => toolsIn('verify', channel).map((t) => t.action)
    expect(verifyTools('store')).toContain('check-id')
    expect(verifyTools('phone')).not.toContain('check-id')
    expect(verifyTools('message')).not.toContain('check-id')
    expect(verifyTools('phone')).toContain('ask-pin')
  })

  it('give every chooser option a key: 1-9, then letters', () => {
    expect([0, 8, 9, 10, 34].map(optionKey)).toEqual(['1', '9', 'A', 'B', 'Z'])
    expect(optionKey(35)).toBeNull()
    expect(['1', '9', 'a', 'B', 'Enter'].map(optionIndexForKey)).toEqual([0, 8, 9, 10, null])
  })

  it('ignore keys that are not shortcuts', () => {
    expect(toolForKey('Enter')).toBeUndefined()
    expect(toolForKey('z')).toBeUndefined()
    expect(toolForKey('F10')).toBeUndefined()
  })

  it('read number keys 1-9 as phrasing indexes', () => {
    expect(choiceIndexForKey('1')).toBe(0)
    expect(choiceIndexForKey('9')).toBe(8)
    expect(choiceIndexForKey('0')).toBeNull()
    expect(choiceIndexForKey('10')).toBeNull()
    expect(choiceIndexForKey('a')).toBeNull()
  })
})
