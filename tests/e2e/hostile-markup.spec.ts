import { expect, test } from '@playwright/test'
import { act, endCall, openPicker, startCall } from './support/console'
import { HOSTILE_TITLE, IMG_PAYLOAD, SCRIPT_PAYLOAD } from './support/hostile'

// (c) Scenario text is untrusted: markup in it must show as text and never run.
test('markup in a scenario file renders inert and literal', async ({ page }) => {
  const violations: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) violations.push(m.text())
  })
  await openPicker(page, { kind: 'hostile' })
  const card = page.locator('.scenario-card', { hasText: 'Markup' })
  await expect(card).toContainText(HOSTILE_TITLE)
  await expect(card).toContainText(SCRIPT_PAYLOAD)

  await startCall(page, 'Markup')
  await expect(page.locator('.callbar__title')).toHaveText(HOSTILE_TITLE)
  await expect(page.locator('.transcript')).toContainText(`Hello ${SCRIPT_PAYLOAD} can you move my number ${IMG_PAYLOAD}`)
  await expect(page.locator('.say__option')).toContainText(`I will help ${IMG_PAYLOAD}`)
  await expect(page.locator('.caller__reason')).toContainText(`Request ${IMG_PAYLOAD}`)
  await expect(page.locator('.account')).toContainText(`Dana ${IMG_PAYLOAD}`)
  await act(page, 'n', 1)
  await expect(page.getByTestId('account-history')).toContainText(`Note ${SCRIPT_PAYLOAD} ${IMG_PAYLOAD}`)
  await act(page, 'p', 2)
  await expect(page.locator('.transcript')).toContainText(`No PIN ${SCRIPT_PAYLOAD}`)
  await endCall(page)
  await expect(page.locator('.report-bar h1')).toContainText(HOSTILE_TITLE)
  await expect(page.locator('.good-path')).toContainText(`Red flag ${IMG_PAYLOAD}`)

  expect(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss)).toBeUndefined()
  // Nothing from the file became an element.
  await expect(page.locator('img[src="x"]')).toHaveCount(0)
  await expect(page.locator('body script:not([src])')).toHaveCount(0)
  expect(violations).toEqual([])
})
