/**
 * Starts the real services and the loopback bridge for the Playwright suite,
 * in a child process of the global setup (run with tsx, so the services load
 * from TypeScript source exactly as `npm run preview` does).
 *
 *   tsx --tsconfig src-main/tsconfig.json tests/e2e/support/serve.ts \
 *     --renderer out/renderer --scenarios scenarios --data /tmp/x
 *
 * Prints one JSON line `{"url": "http://127.0.0.1:PORT/"}` once it listens,
 * and shuts down cleanly on SIGTERM or when its stdin closes (so a crashed
 * test runner cannot leave it behind).
 */
import { serveApp } from '../../../src-main/bridge/serveApp'

function arg(name: string): string {
  const at = process.argv.indexOf(name)
  const value = at >= 0 ? process.argv[at + 1] : undefined
  if (!value) throw new Error(`serve.ts: missing ${name}`)
  return value
}

/** --port N: listen on N (a restart on the same address, bridge-restart.spec.ts); a free port otherwise. */
function port(): number | undefined {
  return process.argv.includes('--port') ? Number(arg('--port')) : undefined
}

async function main(): Promise<void> {
  const listen = port()
  const { url, stop } = await serveApp({
    dataDir: arg('--data'),
    scenariosDir: arg('--scenarios'),
    rendererDir: arg('--renderer'),
    ...(listen === undefined ? {} : { port: listen }),
  })
  process.stdout.write(`${JSON.stringify({ url })}\n`)
  process.stdin.on('end', stop)
  process.stdin.resume()
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
