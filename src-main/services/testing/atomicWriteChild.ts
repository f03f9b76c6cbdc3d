import { writeFileAtomic } from '../atomicWrite'

/**
 * Child of atomicWrite.test.ts: tries one atomic write and prints what came of
 * it as one JSON line. It exists so the read-only-directory case can run as an
 * unprivileged user even when the suite runs as root (CI does), where
 * directory permissions would not bite.
 */
const target = process.argv[2]
if (!target) throw new Error('usage: atomicWriteChild <target>')
writeFileAtomic(target, 'new').then(
  () => console.log(JSON.stringify({ ok: true })),
  (error: NodeJS.ErrnoException) => console.log(JSON.stringify({ ok: false, code: error.code ?? null })),
)
