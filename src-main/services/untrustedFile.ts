import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync, type Stats } from 'node:fs'

/**
 * Reading a file an author, or anyone, may have put in the scenario library
 * (scenarios, golden transcripts, the rubric): only a regular file, only up
 * to a size cap, checked before reading (QUALITY.md, Promises).
 *
 * A FIFO would block a plain read forever, a link to /dev/zero would fill
 * memory, a folder or a dangling link would throw: each becomes one sentence
 * saying what the path is and what to do, never a hang, a stack trace or a
 * stopped app. The check that counts is made on the opened descriptor
 * (fstat), so nothing swapped in between the look and the open is read;
 * O_NONBLOCK lets a FIFO be opened without waiting for a writer, and the
 * read stops one byte past the cap, so a file that grows after the check
 * cannot be read beyond it either.
 */

export type UntrustedRead = { ok: true; bytes: Buffer } | { ok: false; message: string }

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0)

export function readUntrustedFile(path: string, maxBytes: number): UntrustedRead {
  const refusal = describeNonRegular(path)
  if (refusal) return { ok: false, message: refusal }
  let fd: number
  try {
    fd = openSync(path, OPEN_FLAGS)
  } catch (error) {
    return { ok: false, message: cannotRead(error) }
  }
  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) return { ok: false, message: notRegular(stats) }
    if (stats.size > maxBytes) return { ok: false, message: tooLarge(stats.size, maxBytes) }
    const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1)
    let length = 0
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null)
      if (read === 0) break
      length += read
      if (length > maxBytes) return { ok: false, message: tooLarge(length, maxBytes, true) }
      if (length === buffer.length) break
    }
    return { ok: true, bytes: buffer.subarray(0, length) }
  } catch (error) {
    return { ok: false, message: cannotRead(error) }
  } finally {
    closeSync(fd)
  }
}

/** What the path is when it is not a regular file (or a link to one); null when it is. */
function describeNonRegular(path: string): string | null {
  let link: Stats
  try {
    link = lstatSync(path)
  } catch (error) {
    return cannotRead(error)
  }
  if (!link.isSymbolicLink()) return link.isFile() ? null : notRegular(link)
  let target: Stats
  try {
    target = statSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'this is a symbolic link to something that does not exist; remove the link or point it at a regular file'
    if (code === 'ELOOP') return 'this is a symbolic link that loops back on itself; remove the link'
    return cannotRead(error)
  }
  return target.isFile() ? null : `this is a symbolic link to ${notRegular(target).replace(/^this is /, '')}`
}

function notRegular(stats: Stats): string {
  const what = stats.isDirectory()
    ? 'a folder'
    : stats.isFIFO()
      ? 'a named pipe (FIFO)'
      : stats.isCharacterDevice() || stats.isBlockDevice()
        ? 'a device'
        : stats.isSocket()
          ? 'a socket'
          : 'something other than a file'
  return `this is ${what}, not a regular file; only regular files are read, so it was skipped`
}

function tooLarge(size: number, maxBytes: number, atLeast = false): string {
  return `the file is too large (${atLeast ? 'over ' : ''}${kib(size)}; the limit is ${kib(maxBytes)}), so it was not read; check that this is the right file`
}

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024).toLocaleString('en-US')} KiB`
}

function cannotRead(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return 'the file does not exist'
  if (code === 'EACCES' || code === 'EPERM') return 'the file cannot be read: Pretext is not allowed to open it'
  return `the file cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`
}
