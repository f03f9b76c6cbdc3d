import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'

/**
 * Write a file so that readers, and the disk after a crash or power loss, see
 * either the old content or the whole new content, never a partial file.
 *
 * The data goes to a temporary file in the same directory (rename is only
 * atomic within one filesystem), is fsynced, renamed over the target, and then
 * the directory is fsynced so the rename itself is durable. If anything fails
 * before the rename, the temporary file is removed and the target is untouched;
 * the original error (with its code: ENOSPC, EACCES, ENOENT...) is rethrown
 * for the caller to put into words.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const target = resolve(path)
  const dir = dirname(target)
  // Dot-prefixed so file pickers and exports listings skip it if a crash leaves it behind.
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)

  try {
    // 'wx': never follow or reuse something already at the temp name.
    const handle = await open(temp, 'wx')
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, target)
  } catch (error) {
    // The caller needs the original error, not a failure of the clean-up.
    await rm(temp, { force: true }).catch(() => undefined)
    throw error
  }
  await syncDirectory(dir)
}

async function syncDirectory(dir: string): Promise<void> {
  // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
