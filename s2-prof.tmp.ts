import { decodeScenarioBytes, tryLoadScenarioText } from '@core/scenario/loader'
import { createServices } from './src-main/services/index'
const parse = async (bytes: Uint8Array, file: string) => tryLoadScenarioText(decodeScenarioBytes(bytes, file), file)
async function main() {
  const services = await createServices({ dataDir: '/tmp/pretext-bench-review-v4', scenariosDir: 'scenarios', parse })
  let t = performance.now()
  await services.review.start()
  console.log('sweep', performance.now() - t, process.memoryUsage().rss / 2 ** 20)
  const caller = { connection: 'p' }
  await services.api['role.unlock']({ passphrase: 'correct horse battery', name: 'B' }, caller)
  const scan = services.review.trendScan({})
  const db = services.store.connection('read')
  const st = db.prepare(scan.sql).raw(true)
  for (let i = 0; i < 6; i++) {
    t = performance.now()
    await services.api['trends.get']({ bucket: 'week' }, caller)
    const a = performance.now() - t
    t = performance.now()
    let n = 0
    for (const row of st.iterate(scan.params) as IterableIterator<unknown[]>) n += row.length
    console.log('trends', a.toFixed(1), 'bare', (performance.now() - t).toFixed(1))
  }
  services.close()
}
void main()
