import AxeBuilder from '@axe-core/playwright'
import { expect, type Page } from '@playwright/test'
import { SEED_PASSPHRASE, SEED_SUPERVISOR } from './seedData'

export { SEED_PASSPHRASE }


export function reviewUrl(): string {
  const url = process.env['PRETEXT_E2E_REVIEW_URL']
  if (!url) throw new Error('The review bridge is not set up: run through playwright.config.ts (its global setup seeds and starts it).')
  return url
}

/** Sets the supervisor passphrase on first use, or unlocks with it, from the picker's "Supervisor mode". */
export async function unlockSupervisor(page: Page, passphrase = SEED_PASSPHRASE, name = SEED_SUPERVISOR): Promise<void> {
  await page.getByRole('button', { name: 'Supervisor mode' }).click()
  const dialog = page.getByRole('dialog')
  await dialog.getByLabel('Your name').fill(name)
  await dialog.getByLabel('Passphrase', { exact: true }).fill(passphrase)
  if (await dialog.getByLabel('Type it again').isVisible()) await dialog.getByLabel('Type it again').fill(passphrase)
  await dialog.getByRole('button', { name: /Unlock|Set passphrase/ }).click()
}

/** No serious or critical accessibility violations on what the page shows now. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze()
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`)
  expect(serious, `${where}:\n${serious.join('\n')}`).toEqual([])
}

/**
 * Records every Content-Security-Policy violation the page reports (an inline
 * style or script the policy refused, an eval), from before the app's first
 * script runs. The app's CSP is the bridge's: default-src 'self'; script-src
 * 'self'; style-src 'self'.
 */
export async function watchCsp(page: Page): Promise<void> {
  // A string, not a function: this suite's tsconfig has no DOM types, and the script runs in the page.
  await page.addInitScript(`
    window.__cspViolations = []
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolations.push(e.violatedDirective + ': ' + (e.blockedURI || 'inline') + ' (' + e.sourceFile + ':' + e.lineNumber + ')'))
  `)
}

export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('[...(window.__cspViolations ?? [])]')
}
