import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler, registerAppProtocol, resolveAppUrl } from './protocol'
import { CONTENT_SECURITY_POLICY, resolveRequestPath } from './transport/staticFiles'

let base: string
let root: string

beforeAll(() => {
  base = mkdtempSync(path.join(os.tmpdir(), 'pretext-protocol-'))
  root = path.join(base, 'renderer')
  mkdirSync(path.join(root, 'assets'), { recursive: true })
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><html><head></head><body><div id="app"></div></body></html>')
  writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)')
  writeFileSync(path.join(root, 'assets', 'index-abc.css'), 'body{}')
  writeFileSync(path.join(base, 'secret.txt'), 'SECRET')
  symlinkSync(path.join(base, 'secret.txt'), path.join(root, 'assets', 'link.txt'))
})

afterAll(() => rmSync(base, { recursive: true, force: true }))

describe('CONTENT_SECURITY_POLICY', () => {
  it('is the strict policy: self only, no inline or eval anywhere', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    )
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|http:|https:/)
  })
})

describe('resolveAppUrl', () => {
  it.each([
    ['app://pretext/', 'index.html'],
    ['app://pretext/index.html', 'index.html'],
    ['app://pretext/assets/index-abc.js', 'assets/index-abc.js'],
    ['app://pretext/assets/index-abc.js?v=1#x', 'assets/index-abc.js'],
    ['app://pretext/assets/index%2Dabc.js', 'assets/index-abc.js'],
  ])('maps %s into the root', (url, relative) => {
    expect(resolveAppUrl(root, url)).toBe(path.join(root, relative))
  })

  it.each([
    ['dot-dot', 'app://pretext/../secret.txt'],
    ['dot-dot deeper', 'app://pretext/assets/../../secret.txt'],
    ['encoded dot-dot', 'app://pretext/%2e%2e/secret.txt'],
    ['encoded dot-dot, uppercase', 'app://pretext/%2E%2E/secret.txt'],
    ['half-encoded dot-dot', 'app://pretext/.%2e/secret.txt'],
    ['single dot', 'app://pretext/./index.html'],
    ['backslash', 'app://pretext/..\\secret.txt'],
    ['backslash inside a name', 'app://pretext/assets\\index-abc.js'],
    ['encoded backslash', 'app://pretext/..%5csecret.txt'],
    ['encoded backslash, uppercase', 'app://pretext/..%5Csecret.txt'],
    ['encoded slash', 'app://pretext/assets%2f..%2f..%2fsecret.txt'],
    ['absolute path via empty segment', 'app://pretext//etc/passwd'],
    ['absolute path, encoded', 'app://pretext/%2fetc%2fpasswd'],
    ['windows drive', 'app://pretext/C:/Windows/win.ini'],
    ['windows drive, encoded colon', 'app://pretext/C%3a/Windows/win.ini'],
    ['NUL', 'app://pretext/index.html\u0000.js'],
    ['encoded NUL', 'app://pretext/index.html%00.js'],
    ['malformed escape', 'app://pretext/%E0%A4%A'],
    ['trailing slash (directory)', 'app://pretext/assets/'],
    ['another host', 'app://evil/index.html'],
    ['host look-alike', 'app://pretext.evil/index.html'],
    ['userinfo', 'app://pretext@evil/index.html'],
    ['port', 'app://pretext:80/index.html'],
    ['no host', 'app:///etc/passwd'],
    ['other scheme', 'file:///etc/passwd'],
    ['https', 'https://pretext/index.html'],
  ])('rejects %s', (_label, url) => {
    expect(resolveAppUrl(root, url)).toBeNull()
  })

  it('never resolves outside the root for any decoded path', () => {
    for (const raw of ['/..', '/a/../..', '/%2e%2e', '/%2e%2E/%2E%2e', '/a/%2e%2e/%2e%2e/b']) {
      expect(resolveRequestPath(root, raw)).toBeNull()
    }
  })
})

describe('app:// handler', () => {
  const handler = () => createAppProtocolHandler(root)
  const get = (url: string, method = 'GET') => handler()(new Request(url, { method }))

  it('serves files with their type and the CSP', async () => {
    const html = await get('app://pretext/index.html')
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await html.text()).toContain('<div id="app">')
    const js = await get('app://pretext/assets/index-abc.js')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(js.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it.each([
    ['app://pretext/', 'GET', 200],
    ['app://pretext/index.html', 'HEAD', 200],
    ['app://pretext/assets/index-abc.css', 'GET', 200],
    ['app://pretext/missing.js', 'GET', 404],
    ['app://pretext/assets', 'GET', 404],
    ['app://pretext/assets/link.txt', 'GET', 404],
    // new Request() already collapses "%2e%2e" (as Chromium does before the handler runs): it arrives as /secret.txt.
    ['app://pretext/%2e%2e/secret.txt', 'GET', 404],
    ['app://pretext/..%5csecret.txt', 'GET', 400],
    ['app://pretext/index.html', 'POST', 405],
  ])('puts the CSP on %s %s (status %i)', async (url, method, status) => {
    const response = await get(url, method)
    expect(response.status).toBe(status)
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    if (status !== 200) expect(await response.text()).not.toContain('SECRET')
  })

  it('does not follow a symlink out of the root', async () => {
    const response = await get('app://pretext/assets/link.txt')
    expect(response.status).toBe(404)
    expect(await response.text()).not.toContain('SECRET')
  })

  it('is installed for the app scheme, which is registered standard and secure but not CORS-open', () => {
    const protocol = { handle: vi.fn() }
    registerAppProtocol(protocol, root)
    expect(protocol.handle).toHaveBeenCalledWith('app', expect.any(Function))
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } })
  })
})
