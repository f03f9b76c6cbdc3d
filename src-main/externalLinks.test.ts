import { describe, expect, it, vi } from 'vitest'
import { isAllowedExternalUrl, openExternal } from './externalLinks'

const allowed = [
  'https://docs.fcc.gov/public/attachments/FCC-23-95A1.txt',
  'https://pages.nist.gov/800-63-3/sp800-63b.html#sec5',
  'https://pages.nist.gov/800-63-3/sp800-63b.html?x=1',
  'https://docs.fcc.gov',
  'https://docs.fcc.gov/',
]

const refused: [string, unknown][] = [
  ['javascript: URL', 'javascript:alert(1)'],
  ['javascript: with allowed host text', 'javascript://docs.fcc.gov/%0aalert(1)'],
  ['file: URL', 'file:///etc/passwd'],
  ['file: URL on the allowed host', 'file://docs.fcc.gov/etc/passwd'],
  ['plain http', 'http://docs.fcc.gov/public/'],
  ['data: URL', 'data:text/html,<script>alert(1)</script>'],
  ['custom scheme', 'app://pretext/index.html'],
  ['mailto', 'mailto:someone@docs.fcc.gov'],
  ['look-alike suffix', 'https://docs.fcc.gov.evil.com/'],
  ['look-alike dash', 'https://docs-fcc.gov/'],
  ['look-alike subdomain of allowed', 'https://evil.docs.fcc.gov/'],
  ['parent domain only', 'https://fcc.gov/'],
  ['trailing dot', 'https://docs.fcc.gov./'],
  ['userinfo trick', 'https://docs.fcc.gov@evil.com/'],
  ['userinfo with password', 'https://docs.fcc.gov:pw@evil.com/'],
  ['userinfo on the allowed host', 'https://user@docs.fcc.gov/'],
  ['encoded @ in authority', 'https://docs.fcc.gov%40evil.com/'],
  ['encoded dot in host', 'https://docs%2Efcc.gov/'],
  ['encoded host entirely', 'https://%64ocs.fcc.gov/'],
  ['uppercase host', 'https://DOCS.FCC.GOV/public/'],
  ['uppercase scheme', 'HTTPS://docs.fcc.gov/public/'],
  ['explicit port', 'https://docs.fcc.gov:8443/'],
  ['default port spelled out', 'https://docs.fcc.gov:443/'],
  ['backslash authority confusion', 'https://evil.com\\@docs.fcc.gov/'],
  ['backslash after host', 'https://docs.fcc.gov\\@evil.com/'],
  ['leading whitespace', ' https://docs.fcc.gov/'],
  ['embedded tab', 'https://docs.fcc.gov/\tx'],
  ['embedded newline', 'https://docs.fc\nc.gov/'],
  ['NUL', 'https://docs.fcc.gov/\u0000'],
  ['unicode look-alike host', 'https://docs.fcc.gоv/'],
  ['IDN full-width dot', 'https://docs\uff0efcc.gov/'],
  ['protocol-relative', '//docs.fcc.gov/'],
  ['relative path', '/public/attachments'],
  ['empty string', ''],
  ['not a string', { toString: () => 'https://docs.fcc.gov/' }],
  ['undefined', undefined],
  ['over-long', `https://docs.fcc.gov/${'a'.repeat(3000)}`],
]

describe('isAllowedExternalUrl', () => {
  it.each(allowed)('allows %s', (url) => {
    expect(isAllowedExternalUrl(url)).toBe(true)
  })

  it.each(refused)('refuses %s', (_label, url) => {
    expect(isAllowedExternalUrl(url)).toBe(false)
  })
})

describe('openExternal', () => {
  it('opens allowed URLs and drops the rest without calling the shell', async () => {
    const shell = { openExternal: vi.fn(async () => undefined) }
    await expect(openExternal('https://pages.nist.gov/800-63-3/sp800-63b.html', shell)).resolves.toBe(true)
    expect(shell.openExternal).toHaveBeenCalledExactlyOnceWith('https://pages.nist.gov/800-63-3/sp800-63b.html')
    for (const [, url] of refused) await expect(openExternal(url, shell)).resolves.toBe(false)
    expect(shell.openExternal).toHaveBeenCalledTimes(1)
  })
})
