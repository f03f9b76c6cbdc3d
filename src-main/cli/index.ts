// The bin entry of the authoring command line (npm run scenarios -- <command> ...):
// the commands live in run.ts; this file only hands them the process's streams
// and turns their answer into the exit status.
import { run } from './run'

// `npm run scenarios -- paths f | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

// Ctrl-C ends check --watch cleanly, with its last exit status; every other command keeps Node's own Ctrl-C.
const stop = new AbortController()
if (process.argv.includes('--watch')) process.once('SIGINT', () => stop.abort())

void run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.cwd(), signal: stop.signal }).then((code) => {
  process.exitCode = code
})
