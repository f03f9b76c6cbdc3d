import { createServices } from '../services/index'
import { startBridge } from './server'

export interface ServeAppOptions {
  rendererDir: string
  scenariosDir: string
  dataDir: string
  port?: number
}

/**
 * The real services behind the loopback bridge, with one clean shutdown:
 * used by `npm run preview` and by the Playwright suite's server, so both run
 * exactly what a browser user gets.
 */
export async function serveApp(options: ServeAppOptions): Promise<{ url: string; stop: () => void }> {
  // The Node build of better-sqlite3 (node_modules) is the right one here: this runs under Node, not Electron.
  const services = await createServices({ dataDir: options.dataDir, scenariosDir: options.scenariosDir })
  const bridge = await startBridge({ rendererDir: options.rendererDir, services: services.api, ...(options.port !== undefined ? { port: options.port } : {}) })
  let stopping = false
  const stop = (): void => {
    if (stopping) return
    stopping = true
    void bridge
      .close()
      .catch(() => undefined)
      .finally(() => {
        services.close()
        process.exit(0)
      })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  return { url: bridge.url, stop }
}
