/**
 * What a step reports: done (with one line for the log), or a refusal a person
 * can act on, in three parts: what failed, why, and what to do.
 */
export type Outcome = { ok: true; detail: string } | Refusal

export interface Refusal {
  ok: false
  what: string
  why: string
  fix: string
}

export function refuse(what: string, why: string, fix: string): Refusal {
  return { ok: false, what, why, fix }
}

/**
 * The cause a failed tool printed ("TypeError: fetch failed", node-gyp's
 * "Error: ... network connectivity ..."), never its stack trace: the paragraph
 * quotes it. The last "<Name>Error: message" wins, with the continuation lines
 * a tool wraps it over; failing that, the last line that says error.
 */
export function lastErrorLine(output: string): string {
  const lines = output.split(/\r?\n/).map((line) => line.replace(/^(gyp|npm) ERR! (stack )?/, '').trim())
  const isFrame = (line: string) => /^at\s/.test(line)
  const lastIndex = (test: (line: string) => boolean) => lines.map((line, index) => (test(line) ? index : -1)).reduce((a, b) => Math.max(a, b), -1)
  const start = lastIndex((line) => !isFrame(line) && /^(\w+\.)*\w*Error: \S/.test(line))
  if (start >= 0) {
    const rest = lines.slice(start + 1)
    const end = rest.findIndex((line) => line === '' || isFrame(line) || !output.includes(`gyp ERR! stack ${line}`))
    // Without its final period: the paragraph quotes it inside a sentence.
    return [lines[start], ...rest.slice(0, end < 0 ? rest.length : end)].join(' ').slice(0, 240).replace(/\.$/, '')
  }
  const fallback = lastIndex((line) => !isFrame(line) && /error|fail|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/i.test(line))
  const last = lastIndex((line) => line !== '')
  return (lines[fallback >= 0 ? fallback : last] ?? 'no output').slice(0, 240)
}

/** One short paragraph: what failed, why, what to do. Wrapped for a terminal. */
export function paragraph(parts: readonly string[], width = 88): string {
  const words = parts.join(' ').split(/\s+/).filter(Boolean)
  const lines: string[] = []
  let line = ''
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  if (line) lines.push(line)
  return lines.join('\n')
}
