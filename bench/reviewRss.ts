import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import { createServices } from '../src-main/services/index'

/**
 * Child of review.bench.ts: a fresh process opens the services on the
 * generated database, uses them as a supervisor would (a list, trends, a
 * replay) and prints its resident set size, so the figure is main's alone
 * and not the generator's.
 */
const [dataDir = '', scenariosDir = '', sessionId = ''] = process.argv.slice(2)
const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)

async function main(): Promise<void> {
  const services = await createServices({ dataDir, scenariosDir, parse })
  await services.review.start()
  const caller = { connection: 'rss' }
  const unlocked = await services.api['role.unlock']({ passphrase: 'correct horse battery', name: 'Bench' }, caller)
  if (!unlocked.ok) throw new Error(unlocked.message)
  await services.api['sessions.query']({ compliance: 'fail' }, caller)
  await services.api['trends.get']({ bucket: 'week' }, caller)
  await services.api['review.open']({ sessionId }, caller)
  await services.api['review.step']({ sessionId, step: 150 }, caller)
  const memory = process.memoryUsage()
  console.log(JSON.stringify({ rssMb: Math.round((memory.rss / 2 ** 20) * 10) / 10, heapMb: Math.round((memory.heapUsed / 2 ** 20) * 10) / 10 }))
  services.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
