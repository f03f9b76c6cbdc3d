import { expect, test, type Locator, type Page } from '@playwright/test'
import { act, endCall, openPicker, startCall } from './support/console'

// Console fixes from the keyboard-only walkthrough (issue 8): regions that take
// focus show it, the report's column scrolls by keyboard, and the note
// checkboxes are big enough to hit.

/** The focus ring as the page paints it: a visible outline or a box shadow. */
async function ringOf(target: Locator): Promise<{ outline: string; shadow: string }> {
  return target.evaluate((el) => {
    const style = el.ownerDocument.defaultView!.getComputedStyle(el)
    return { outline: style.outlineStyle === 'none' ? 'none' : `${style.outlineStyle} ${style.outlineWidth}`, shadow: style.boxShadow }
  })
}

async function tabTo(page: Page, target: Locator, limit = 60): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === el.ownerDocument.activeElement)) return
    await page.keyboard.press('Tab')
  }
  throw new Error('Tab never reached the element')
}

test('account panel, report column and report transcript show a focus ring, and the report column scrolls by keyboard', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 })
  await openPicker(page)
  await startCall(page, 'Stolen phone at the gate', 'Practice', 'Focus Trainee')
  await act(page, 'n', 1)

  const account = page.locator('section.account')
  await tabTo(page, account)
  expect((await ringOf(account)).outline).toMatch(/^solid [1-9]/)

  // The two checklist boxes axe flagged at 14 x 14 px: 24 x 24 now (WCAG 2.2 target size).
  for (const name of ['Factors used', 'Customer notified']) {
    const box = await page.getByLabel(name, { exact: true }).boundingBox()
    expect(box!.width).toBeGreaterThanOrEqual(24)
    expect(box!.height).toBeGreaterThanOrEqual(24)
  }

  await act(page, 'p', 2)
  await act(page, 'd', 3)
  await endCall(page)

  const column = page.locator('.report__main')
  await tabTo(page, column)
  expect((await ringOf(column)).outline).toMatch(/^solid [1-9]/)
  const scrollable = await column.evaluate((el) => el.scrollHeight > el.clientHeight)
  expect(scrollable, 'the report column overflows at 1280 x 720').toBe(true)
  await page.keyboard.press('PageDown')
  await expect.poll(() => column.evaluate((el) => el.scrollTop)).toBeGreaterThan(0)

  const transcript = page.locator('.report__transcript')
  await tabTo(page, transcript)
  expect((await ringOf(transcript)).outline).toMatch(/^solid [1-9]/)
})
