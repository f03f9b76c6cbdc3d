import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SessionEvent } from '@core/session/events'
import type { NewSession } from '../sessionStore'

/** Shared by the store's tests, the crash child and the benchmark. */

export function makeTempDir(prefix = 'pretext-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function newSession(overrides: Partial<NewSession> = {}): NewSession {
  return {
    sessionId: randomUUID(),
    scenarioId: 'airport-stolen-phone',
    scenarioTitle: 'Stolen phone at the gate',
    scenarioHash: 'a'.repeat(64),
    engineVersion: 1,
    rubricVersion: 1,
    mode: 'practice',
    trainee: 'Robin',
    seed: 42,
    startedAt: 1_700_000_000_000,
    ...overrides,
  }
}

/**
 * A valid event of a type that depends on `variant`, so logs mix payload
 * shapes. `noteText` makes a note of that text (up to 4,000 characters), for
 * events large enough to span database pages.
 */
export function sampleEvent(seq: number, variant = seq, noteText?: string): SessionEvent {
  const at = 1_700_000_000_000 + seq * 1_000
  if (noteText !== undefined) return { seq, at, type: 'note', items: ['factors', 'outcome'], text: noteText }
  switch (variant % 7) {
    case 0:
      // Cast: zod types an empty strict payload as Record<string, never>,
      // which no literal with seq and at can satisfy.
      return { seq, at, type: 'ask-pin' } as SessionEvent
    case 1:
      return { seq, at, type: 'send-otp', to: 'line-of-record' }
    case 2:
      return { seq, at, type: 'ask-knowledge', question: 'dob' }
    case 3:
      return { seq, at, type: 'say', choice: `choice-${variant}` }
    case 4:
      return { seq, at, type: 'perform-hrt', kind: 'sim-change', notify: true, hold: false }
    case 5:
      return { seq, at, type: 'note', items: ['red-flags'], text: `caller hesitated (${variant})` }
    default:
      return { seq, at, type: 'escalate', team: 'fraud' }
  }
}

export function sampleEvents(count: number, from = 1): SessionEvent[] {
  return Array.from({ length: count }, (_, i) => sampleEvent(from + i))
}
