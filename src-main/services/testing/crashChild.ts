/**
 * The process the crash suite kills (sessionStore.crash.test.ts). The suite
 * bundles this file with Vite into one CommonJS file and runs it with plain
 * node, which starts fast enough for 100 kills. By hand, from the repo root:
 *
 *   TSX_TSCONFIG_PATH=tsconfig.base.json node --require tsx/cjs src-main/services/testing/crashChild.ts <mode> <database> [seed]
 *
 * Modes:
 *   loop      append events to a few sessions forever, printing a line after
 *             each commit; killed with SIGKILL at a random moment.
 *   hold      commit three events, then open one big transaction, write until
 *             uncommitted pages have spilled into the WAL, say so, and block
 *             inside the transaction until killed.
 *   probe     open the store, report its health and whether a write and a read
 *             succeed, then exit (a second instance).
 *   keep      open the store, report its health and wait until killed.
 *
 * Every line is written with writeSync, so a line the parent has read was
 * printed after the commit it reports returned.
 */
import { statSync, writeSync } from 'node:fs'
import type { SessionEvent } from '@core/session/events'
import { seededRandom } from '@core/engine/random'
import { SessionStore } from '../sessionStore'
import { newSession, sampleEvent } from './storeFixtures'

const [mode, dbPath, seedArg] = process.argv.slice(2)
if (!mode || !dbPath) {
  process.stderr.write('usage: crashChild <loop|hold|probe|keep> <database> [seed]\n')
  process.exit(2)
}

function say(line: string): void {
  writeSync(1, `${line}\n`)
}

function blockForever(): never {
  // Synchronous, so the open transaction can never be finished by the event loop.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
  throw new Error('unreachable')
}

function errorText(error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; message?: unknown }
  return { code: String(e.code ?? 'none'), message: String(e.message ?? error) }
}

const store = new SessionStore({ path: dbPath })

switch (mode) {
  case 'loop': {
    if (!store.health.ok) {
      say(`refused ${JSON.stringify(store.health)}`)
      process.exit(3)
    }
    const next = seededRandom(Number(seedArg ?? 1))
    const live: Array<{ id: string; seq: number }> = []
    let batchNo = 0
    say('ready')
    for (;;) {
      if (live.length < 3) {
        const { sessionId } = store.createSession(newSession({ seed: Math.floor(next() * 1e9) }))
        live.push({ id: sessionId, seq: 0 })
        say(`new ${sessionId}`)
      }
      const index = Math.floor(next() * live.length)
      const session = live[index]!
      const roll = next()
      if (roll < 0.04) {
        store.finishSession(session.id, { total: 80 }, 80, 'pass', 1_700_000_000_000 + session.seq)
        say(`fin ${session.id}`)
        live.splice(index, 1)
      } else if (roll < 0.34) {
        // A batch, marked so the parent can tell a whole batch from part of one
        // even when it was never acknowledged.
        const size = 2 + Math.floor(next() * 5)
        const tag = `batch:${process.pid}-${++batchNo}:${size}`
        const events: SessionEvent[] = []
        for (let i = 1; i <= size; i++) {
          events.push(sampleEvent(session.seq + i, 0, `${tag}:${i}|${'b'.repeat(Math.floor(next() * 3_000))}`))
        }
        const acks = store.appendEvents(session.id, events)
        const last = acks[acks.length - 1]!
        session.seq = last.seq
        say(`ack ${session.id} ${last.seq} ${last.hash}`)
      } else {
        // Mostly small events, some large enough to spill over a page.
        const big = next() < 0.2
        const event = sampleEvent(session.seq + 1, Math.floor(next() * 7), big ? 'n'.repeat(Math.floor(next() * 4_000)) : undefined)
        const ack = store.appendEvent(session.id, event)
        session.seq = ack.seq
        say(`ack ${session.id} ${ack.seq} ${ack.hash}`)
      }
    }
  }
  // falls through: the loop never ends
  case 'hold': {
    const { sessionId } = store.createSession(newSession())
    for (let seq = 1; seq <= 3; seq++) store.appendEvent(sessionId, sampleEvent(seq))
    say(`committed ${sessionId} 3`)
    const walPath = `${dbPath}-wal`
    const committedWal = statSync(walPath).size
    let written = 0
    let spilledAt = 0
    function* uncommitted(): Generator<SessionEvent> {
      for (let seq = 4; seq < 400_000; seq++) {
        yield sampleEvent(seq, seq, 'u'.repeat(1_000))
        written++
        if (!spilledAt && written % 50 === 0 && statSync(walPath).size > committedWal + 256 * 1024) spilledAt = written
        if (spilledAt && written >= spilledAt + 20) {
          say(`inside ${sessionId} ${written} ${statSync(walPath).size - committedWal}`)
          blockForever()
        }
      }
      say('no-spill')
      process.exit(4)
    }
    store.appendEvents(sessionId, uncommitted())
    say('committed-unexpectedly')
    process.exit(5)
  }
  // falls through: unreachable
  case 'probe': {
    say(`health ${JSON.stringify(store.health)}`)
    try {
      store.createSession(newSession())
      say('write ok')
    } catch (error) {
      say(`write-error ${JSON.stringify(errorText(error))}`)
    }
    try {
      say(`read ok ${store.listSessions().length}`)
    } catch (error) {
      say(`read-error ${JSON.stringify(errorText(error))}`)
    }
    store.close()
    process.exit(0)
  }
  // falls through: unreachable
  case 'keep': {
    say(`health ${JSON.stringify(store.health)}`)
    setInterval(() => undefined, 60_000)
    break
  }
  default:
    process.stderr.write(`unknown mode ${mode}\n`)
    process.exit(2)
}
