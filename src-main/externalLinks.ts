import type { Shell } from 'electron'

/**
 * The only way Pretext hands a URL to the operating system. The sources the
 * app cites (FCC 23-95, NIST SP 800-63B) live on these hosts; nothing else
 * leaves the app.
 */
export const EXTERNAL_HOSTS: ReadonlySet<string> = new Set(['docs.fcc.gov', 'pages.nist.gov'])

const MAX_URL_LENGTH = 2048

/**
 * True only for https://<allowed host>/... written in canonical form.
 *
 * The raw text must begin with exactly "https://<host>/" (or be exactly
 * "https://<host>"): no userinfo ("https://docs.fcc.gov@evil.com"), no port,
 * no uppercase or percent-encoded host, no trailing dot, no look-alike
 * ("docs.fcc.gov.evil.com", "docs-fcc.gov"). Whitespace, control characters
 * and backslashes are refused outright because the URL parser silently drops
 * or rewrites them, and what is opened must be exactly what was checked.
 */
export function isAllowedExternalUrl(raw: unknown): raw is string {
  if (typeof raw !== 'string' || raw.length > MAX_URL_LENGTH) return false
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u00a0\\]/.test(raw)) return false
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return false
  }
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || url.port !== '') return false
  if (!EXTERNAL_HOSTS.has(url.hostname)) return false
  const origin = `https://${url.hostname}`
  return raw === origin || raw.startsWith(`${origin}/`)
}

/** Open an allowed URL in the user's browser; anything else is dropped. Returns whether it was opened. */
export async function openExternal(url: unknown, shell: Pick<Shell, 'openExternal'>): Promise<boolean> {
  if (!isAllowedExternalUrl(url)) return false
  await shell.openExternal(new URL(url).href)
  return true
}
