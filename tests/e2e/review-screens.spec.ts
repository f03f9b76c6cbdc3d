import { expect, test } from '@playwright/test'
import path from 'node:path'
import { cspViolations, expectAccessible, reviewUrl, unlockSupervisor, watchCsp } from './support/review'

// The supervisor's screens on eight weeks of a team's calls (support/seedReview.ts):
// no serious or critical accessibility violations, no CSP violation, and
// screenshots (1440×900) of the list, a review mid-replay, calibration and
// trends: into test-results on every run, into docs/screenshots (the
// README's) with `npm run screenshots`.

const shots = process.env['UPDATE_SCREENSHOTS']
  ? path.resolve(__dirname, '..', '..', 'docs', 'screenshots')
  : path.resolve(__dirname, '..', '..', 'test-results', 'screenshots')

test('session list, review mid-replay, calibration and trends: accessible, and photographed', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  await watchCsp(page)
  await page.emulateMedia({ reducedMotion: 'reduce' })
  await page.goto(reviewUrl())
  await unlockSupervisor(page)
  await expect(page.getByRole('heading', { level: 1, name: 'Review queue' })).toBeVisible()
  await expect(page.locator('[aria-labelledby="awaiting-heading"] .sup-row').first()).toBeVisible()
  await expectAccessible(page, 'review queue (seeded)')

  await page.keyboard.press('Alt+2')
  await page.getByLabel('Mode', { exact: true }).selectOption('assessment')
  await page.getByRole('button', { name: 'Apply filters' }).click()
  await expect(page.locator('.sup-row').first()).toBeVisible()
  await page.locator('.sup-row').first().focus()
  await page.keyboard.press('ArrowDown')
  await expectAccessible(page, 'session list (seeded)')
  await page.screenshot({ path: path.join(shots, 'review-list.png') })

  // A published review with comments: the one the seed reviewed first, mid-replay at its first judged step.
  await page.getByLabel('Review', { exact: true }).selectOption('published')
  await page.getByLabel('Trainee', { exact: true }).selectOption('Ana Ruiz')
  await page.getByRole('button', { name: 'Apply filters' }).click()
  await page.locator('.sup-row').first().click()
  await expect(page.getByRole('heading', { level: 1, name: /Review:/ })).toBeVisible()
  const judged = page.locator('.timeline__step--deduction').first()
  await judged.click()
  await expect(page.locator('.judgement').first()).toBeVisible()
  await expectAccessible(page, 'review mid-replay (seeded)')
  await page.screenshot({ path: path.join(shots, 'review-replay.png') })

  await page.getByRole('button', { name: 'Back', exact: true }).click()
  await page.keyboard.press('Alt+3')
  await expect(page.getByTestId('agree-human')).toHaveText(/^\d+%$/)
  await expect(page.locator('.agreement__flag').first()).toBeVisible()
  await expectAccessible(page, 'calibration (seeded)')
  await page.screenshot({ path: path.join(shots, 'calibration.png') })

  await page.keyboard.press('Alt+4')
  await expect(page.locator('.chart__canvas canvas')).toHaveCount(5)
  await page.getByLabel('Trainee beside the team').selectOption('Ana Ruiz')
  await expectAccessible(page, 'trends (seeded)')
  await page.screenshot({ path: path.join(shots, 'trends.png') })

  // A point opens the sessions behind it: the first value of the pass-rate table.
  await page.locator('figure.chart').first().getByText('Show as a table').click()
  const cell = page.locator('figure.chart').first().locator('td button').first()
  const label = await cell.getAttribute('aria-label')
  const count = Number(/of (\d+) sessions?/.exec(label ?? '')?.[1])
  await cell.click()
  await expect(page.getByRole('heading', { level: 1, name: 'Sessions' })).toBeVisible()
  await expect(page.locator('.sup-row')).toHaveCount(count)
  expect(await cspViolations(page)).toEqual([])
})
