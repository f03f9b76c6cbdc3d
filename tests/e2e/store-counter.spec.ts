import { expect, test } from '@playwright/test'
import { act, choose, endCall, openPicker, performHrt, saveNote, say, startCall } from './support/console'

// A walk-in at the store counter (fake-id-at-counter): only a counter offers the photo-ID check (V).
test('at the counter the forged licence fails its scan, and the denial that follows scores 100', async ({ page }) => {
  await openPicker(page)
  await startCall(page, 'A new SIM at the counter after a stolen phone')
  await expect(page.locator('.caller')).toContainText('In store')
  await expect(page.locator('[data-chip="photo-id"]')).toContainText('not checked')

  await act(page, 'n', 1)
  await act(page, 'p', 2)
  await page.keyboard.press('v')
  const chooser = page.getByRole('dialog')
  await expect(chooser).toContainText('Scan and validate it')
  await expect(chooser).toContainText('Look at it and record it as checked')
  await page.keyboard.press('Escape')
  await choose(page, 'v', 'scan', 3)
  await expect(page.locator('[data-chip="photo-id"]')).toContainText('failed the scan')
  await expect(page.getByLabel('Call transcript').getByText(/ID scan failed/)).toBeVisible()
  await expect(page.locator('[data-auth="locked"]')).toBeVisible()

  await say(page, 'cannot-accept-unscanned', 4)
  await act(page, 'd', 5)
  await choose(page, 'a', 'store-with-id', 6)
  await say(page, 'what-happens-next', 7)
  await act(page, 'f', 8)
  await choose(page, 'e', 'fraud', 9)
  await saveNote(page, 'Walk-in for a new SIM; no PIN; the licence failed the ID scan. Denied, flagged, referred to fraud.', ['Factors used', 'Outcome', 'Red flags', 'Referral / escalation'], 10)
  await endCall(page)
  await expect(page.locator('.verdict .verdict-mark')).toHaveText('PASS')
  await expect(page.getByTestId('score')).toHaveText('100/100')
})

test('at the counter a glance at the licence is no factor: the SIM change on it fails with CF1', async ({ page }) => {
  await openPicker(page)
  await startCall(page, 'A new SIM at the counter after a stolen phone', 'Assessment')
  await act(page, 'n', 1)
  await choose(page, 'v', 'visual', 2)
  await expect(page.locator('[data-chip="photo-id"]')).toContainText('checked by eye')
  await performHrt(page, 'sim-change', { notify: true, hold: true }, 3)
  await endCall(page)
  await expect(page.locator('.verdict .verdict-mark')).toHaveText('FAIL')
  await expect(page.locator('.critical__item[data-cf="CF1"]')).toContainText('checked by eye')
})

test('a phone call offers no photo-ID check', async ({ page }) => {
  await openPicker(page)
  await startCall(page, 'Stolen phone at the gate')
  await expect(page.locator('.toolbox [data-action="ask-pin"]')).toBeVisible()
  await expect(page.locator('.toolbox [data-action="check-id"]')).toHaveCount(0)
  await page.keyboard.press('v')
  await expect(page.getByRole('dialog')).toHaveCount(0)
})
