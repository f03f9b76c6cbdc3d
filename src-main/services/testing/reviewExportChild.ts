import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import { ApiError } from '@core/api/contract'
import { createServices } from '../index'

/**
 * Child of review.test.ts: opens the services on a data folder, unlocks
 * supervisor mode and exports the session list as CSV into a folder, then
 * prints what came of it as one JSON line. It exists so the read-only-folder
 * case runs as an unprivileged user even when the suite runs as root (CI
 * does), where folder permissions would not bite.
 */
const [dataDir = '', scenariosDir = '', folder = ''] = process.argv.slice(2)
if (!dataDir || !scenariosDir || !folder) throw new Error('usage: reviewExportChild <dataDir> <scenariosDir> <folder>')
const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)

async function main(): Promise<unknown> {
  const services = await createServices({ dataDir, scenariosDir, parse })
  try {
    const caller = { connection: 'child' }
    await services.api['role.setPassphrase']({ passphrase: 'correct horse battery', name: 'Ada' }, caller)
    const result = await services.api['exports.sessionsCsv']({ query: {}, folder, fileName: 'sessions.csv' }, caller)
    return { ok: true, result }
  } catch (error) {
    return { ok: false, code: error instanceof ApiError ? error.code : null, message: (error as Error).message }
  } finally {
    services.close()
  }
}

main().then((outcome) => console.log(JSON.stringify(outcome)))
