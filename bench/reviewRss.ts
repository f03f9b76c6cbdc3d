import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import { createServices } from '../src-main/services/index'

/**
 * Child of review.bench.ts: a fresh process opens the services on the
 * generated database, uses them as a supervisor would (a list, trends, a
 * replay) and prints its resident set size after each step, so the figure
 * is main's alone and not the generator's. The bench runs it built as the
 * app's main process is (bench/reviewRss.vite.config.ts) under plain node.
 */
const [dataDir = '', scenariosDir = '', sessionId = ''] = process.argv.slice(2)
const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10

async function main(): Promise<void> {
  const steps: Record<string, number> = {}
  const t0 = performance.now()
  const services = await createServices({ dataDir, scenariosDir, parse })
  steps.open = mb(process.memoryUsage().rss)
  await services.review.start()
  steps.sweep = mb(process.memoryUsage().rss)
  const sweepMs = Math.round(performance.now() - t0)
  const caller = { connection: 'rss' }
  const unlocked = await services.api['role.unlock']({ passphrase: 'correct horse battery', name: 'Bench' }, caller)
  if (!unlocked.ok) throw new Error(unlocked.message)
  await services.api['sessions.query']({ compliance: 'fail' }, caller)
  steps.list = mb(process.memoryUsage().rss)
  await services.api['trends.get']({ bucket: 'week' }, caller)
  steps.trends = mb(process.memoryUsage().rss)
  await services.api['review.open']({ sessionId }, caller)
  await services.api['review.step']({ sessionId, step: 150 }, caller)
  const memory = process.memoryUsage()
  console.log(JSON.stringify({ rssMb: mb(memory.rss), heapMb: mb(memory.heapUsed), steps, openAndSweepMs: sweepMs }))
  services.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
