import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { appUrl } from './support/console'

// The author's workbench, on the server that serves a temp copy of the
// library: a file edited on disk while the workbench is open shows its error
// at its line without a restart; once fixed, the graph is redrawn and the
// preview replays the author's last choices. Screenshots of the workbench,
// the graph and the debug panel go into test-results, or into docs/screenshots
// with UPDATE_SCREENSHOTS (npm run screenshots).

const shots = process.env['UPDATE_SCREENSHOTS']
  ? path.resolve(__dirname, '..', '..', 'docs', 'screenshots')
  : path.resolve(__dirname, '..', '..', 'test-results', 'screenshots')

function libraryDir(): string {
  const dir = process.env['PRETEXT_E2E_HOSTILE_LIBRARY']
  if (!dir) throw new Error('PRETEXT_E2E_HOSTILE_LIBRARY is not set: run through playwright.config.ts (its global setup makes the copy).')
  return dir
}

async function expectAccessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze()
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`)
  expect(serious, `${where}:\n${serious.join('\n')}`).toEqual([])
}

/** Supervisor mode: sets the passphrase on this server's first use, unlocks it after. */
async function enterSupervisorMode(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Supervisor mode' }).click()
  const dialog = page.getByRole('dialog')
  await expect(dialog).toBeVisible()
  await dialog.getByLabel('Your name').fill('Ada Author')
  if (await dialog.getByLabel('Type it again').isVisible()) {
    await dialog.locator('#pass-next').fill('correct horse battery')
    await dialog.getByLabel('Type it again').fill('correct horse battery')
  } else {
    await dialog.locator('#pass-current').fill('correct horse battery')
  }
  await dialog.locator('button[type="submit"]').click()
  await expect(page.getByRole('navigation', { name: 'Supervisor' })).toBeVisible()
}

async function act(page: Page, selector: string, beat: string): Promise<void> {
  await page.locator(`.wb-preview ${selector}`).click()
  await expect(page.getByTestId('debug-beat')).toHaveText(beat)
}

test('edit a file while the workbench is open: error at its line, then the fix redraws the graph and replays the last choices', async ({ page }) => {
  const file = path.join(libraryDir(), 'airport-stolen-phone.yaml')
  const original = readFileSync(file, 'utf8')
  const tierLine = original.split('\n').findIndex((l) => l.startsWith('tier:')) + 1
  try {
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.emulateMedia({ reducedMotion: 'reduce' })
    await page.goto(appUrl('hostile'))
    await expect(page.getByRole('heading', { name: 'Start a training call' })).toBeVisible()
    await enterSupervisorMode(page)
    await page.getByRole('button', { name: /Workbench/ }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Workbench' })).toBeVisible()

    await page.locator('.wb-file', { hasText: 'airport-stolen-phone.yaml' }).click()
    const graph = page.getByTestId('beat-graph')
    await expect(graph.locator('[data-beat="opening"]')).toHaveAttribute('data-current', 'true')
    await expect(page.getByTestId('transcripts').locator('[data-transcript]').first()).toContainText('met')

    // Play: PIN, deny, the good phrasing.
    await act(page, '[data-action="ask-pin"]', 'opening')
    await act(page, '[data-action="deny"]', 'pushback')
    await act(page, '[data-choice="protect-and-path"]', 'winding-down')
    await expect(graph.locator('[data-beat="winding-down"]')).toHaveAttribute('data-current', 'true')
    await expect(page.getByTestId('debug-score')).toContainText('/ 100')
    await expectAccessible(page, 'workbench with a preview')
    await page.screenshot({ path: path.join(shots, 'workbench.png') })
    await page.locator('.beat-graph').screenshot({ path: path.join(shots, 'workbench-graph.png') })
    // The side panel scrolls; a taller window shows the preview and its debug panel whole.
    await page.setViewportSize({ width: 1440, height: 1700 })
    await page.getByTestId('debug-panel').screenshot({ path: path.join(shots, 'workbench-debug.png') })
    await page.setViewportSize({ width: 1440, height: 900 })

    // Keyboard: Tab reaches the beats; Enter shows a beat's branches.
    await graph.locator('[data-beat="pushback"]').focus()
    await page.keyboard.press('Enter')
    await expect(page.getByTestId('beat-detail')).toContainText('pushback')

    // Break the file on disk: the error appears at its line, without a restart.
    writeFileSync(file, original.replace(/^tier: 1$/m, 'tier: 9'))
    const problems = page.getByTestId('file-problems')
    await expect(problems.locator(`[data-line="${tierLine}"]`)).toBeVisible()
    await expect(problems).toContainText(`airport-stolen-phone.yaml:${tierLine}:`)
    await expect(page.locator('.wb-file', { hasText: 'airport-stolen-phone.yaml' })).toContainText(`line ${tierLine}`)
    await expectAccessible(page, 'workbench with a broken file')

    // Fix it, renaming a beat on the way: the graph is redrawn and the preview replays the three choices on the new version.
    writeFileSync(file, original.replaceAll('winding-down', 'wrapping-up'))
    await expect(problems).toHaveCount(0)
    await expect(graph.locator('[data-beat="wrapping-up"]')).toHaveAttribute('data-current', 'true')
    await expect(graph.locator('[data-beat="winding-down"]')).toHaveCount(0)
    await expect(page.getByTestId('replay-note')).toHaveText('Replayed your last 3 choices on the new version.')
    await expect(page.getByTestId('debug-beat')).toHaveText('wrapping-up')

    // An edit that takes away a choice: the replay stops there and says so.
    writeFileSync(file, original.replaceAll('protect-and-path', 'protect-and-explain'))
    await expect(page.getByTestId('replay-note')).toContainText('Replayed 2 of your last 3 choices; stopped at choice 3')
    await expect(page.getByTestId('debug-beat')).toHaveText('pushback')
  } finally {
    writeFileSync(file, original)
  }
})
