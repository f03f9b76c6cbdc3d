/**
 * Builds a data folder holding one finished assessment whose stored decisions
 * were then edited behind the app's back, for the review spec's "a corrupt
 * session" case. The app keeps its database locked while it runs (a second
 * writer is refused), so the edit is made here, before the bridge opens it:
 *
 *   tsx --tsconfig src-main/tsconfig.json tests/e2e/support/seedTampered.ts --scenarios scenarios --data /tmp/x
 *
 * Prints one JSON line `{"sessionId": "...", "editedSeq": 3}`.
 */
import Database from 'better-sqlite3'
import path from 'node:path'
import { createServices } from '../../../src-main/services/index'
import type { AgentAction } from '../../../src-core/session/events'

export const TAMPERED_TRAINEE = 'Tess Tampered'
const CALL: AgentAction[] = [{ type: 'check-account' }, { type: 'ask-pin' }, { type: 'deny' }, { type: 'offer-safe-path', path: 'store-with-id' }, { type: 'end-call' }]
const EDITED_SEQ = 3

function arg(name: string): string {
  const at = process.argv.indexOf(name)
  const value = at >= 0 ? process.argv[at + 1] : undefined
  if (!value) throw new Error(`seedTampered.ts: missing ${name}`)
  return value
}

async function main(): Promise<void> {
  const dataDir = arg('--data')
  const services = await createServices({ dataDir, scenariosDir: arg('--scenarios') })
  const { session } = await services.api['calls.start']({ scenarioId: 'airport-stolen-phone', mode: 'assessment', trainee: TAMPERED_TRAINEE })
  let step = 0
  for (const action of CALL) step = (await services.api['calls.act']({ sessionId: session.sessionId, step, action })).step
  await services.api['calls.end']({ sessionId: session.sessionId })
  services.close()

  // What someone who owns the disk could do: drop the guard and move one decision's time.
  const db = new Database(path.join(dataDir, 'sessions.db'))
  db.exec('DROP TRIGGER events_no_update')
  db.prepare('UPDATE events SET at = at + 1 WHERE session_id = ? AND seq = ?').run(session.sessionId, EDITED_SEQ)
  db.close()
  process.stdout.write(`${JSON.stringify({ sessionId: session.sessionId, editedSeq: EDITED_SEQ })}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
