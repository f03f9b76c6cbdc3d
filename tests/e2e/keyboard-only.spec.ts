import { expect, test, type Page } from '@playwright/test'
import { expectSaved, openPicker } from './support/console'

// (d) From picker to report and back with the keyboard alone: no click, no mouse.

async function key(page: Page, k: string, savedAfter?: number): Promise<void> {
  await page.keyboard.press(k)
  if (savedAfter !== undefined) await expectSaved(page, savedAfter)
}

/** The number key of a chooser option or a phrasing, read from the screen like a trainee reads it. */
async function numberOf(page: Page, selector: string, attr: string, id: string): Promise<string> {
  const ids = await page.locator(selector).evaluateAll((els, a) => els.map((e) => e.getAttribute(a)), attr)
  const index = ids.indexOf(id)
  expect(index, `${id} in ${ids.join(', ')}`).toBeGreaterThanOrEqual(0)
  return String(index + 1)
}

async function pick(page: Page, k: string, option: string, savedAfter: number): Promise<void> {
  await key(page, k)
  await expect(page.getByRole('dialog')).toBeVisible()
  await key(page, await numberOf(page, '.chooser__option', 'data-option', option), savedAfter)
}

test('a trainee can take a whole call with the keyboard only', async ({ page }) => {
  await openPicker(page, { motion: true })
  // Any pointer press anywhere fails the test; keyboard activation never fires these.
  const mouse = await page.evaluateHandle(() => {
    const seen = { presses: 0 }
    const target = globalThis as unknown as { addEventListener(type: string, listener: () => void, capture: boolean): void }
    for (const type of ['mousedown', 'pointerdown']) target.addEventListener(type, () => (seen.presses += 1), true)
    return seen
  })

  // Picker: the app bar's Supervisor mode first, then name, scenario (arrow keys in the radio group), mode, start.
  await key(page, 'Tab')
  await expect(page.getByRole('button', { name: 'Supervisor mode' })).toBeFocused()
  await key(page, 'Tab')
  await expect(page.getByLabel('Trainee name')).toBeFocused()
  await page.keyboard.type('Keyboard Trainee')
  await key(page, 'Tab')
  for (let i = 0; i < 30; i++) {
    const checked = page.locator('.scenario-card:has(input:checked)')
    if ((await checked.innerText()).includes('Stolen phone at the gate')) break
    await key(page, 'ArrowDown')
  }
  await expect(page.locator('.scenario-card:has(input:checked)')).toContainText('Stolen phone at the gate')
  await key(page, 'Tab')
  await expect(page.getByRole('radio', { name: /Practice/ })).toBeFocused()
  await key(page, 'Tab')
  await expect(page.getByRole('button', { name: /Take the call/ })).toBeFocused()
  await key(page, 'Enter')

  // Call: the caller is typed out; Space lets them finish.
  await expect(page.locator('.console')).toBeVisible()
  await expect(page.locator('.transcript__typing')).toBeVisible()
  await key(page, 'Space')
  await expect(page.locator('.transcript')).toContainText('I board in ten minutes')
  await expect(page.locator('.transcript__typing')).toHaveCount(0)

  await key(page, 'n', 1)
  await key(page, 'p', 2)
  await key(page, 'Space')
  await pick(page, 'o', 'line-of-record', 3)
  await key(page, 'Escape') // nothing open: harmless
  await key(page, 'd', 4)
  await key(page, 'Space')
  await key(page, await numberOf(page, '.say__option', 'data-choice', 'protect-and-path'), 5)
  await pick(page, 'a', 'store-with-id', 6)
  await key(page, 'f', 7)
  await pick(page, 'e', 'fraud', 8)

  // Notes: T jumps in, Tab walks the checklist, Space ticks, Enter saves.
  await key(page, 't')
  await expect(page.getByLabel('Note text')).toBeFocused()
  await page.keyboard.type('No PIN; code to line of record not received. DOB and SSN-4 offered (not factors). Urgency + lost phone + new eSIM. Denied; store with ID offered; flagged; referred to fraud.')
  for (const item of ['Factors used', 'Outcome', 'Red flags', 'Referral / escalation']) {
    await key(page, 'Tab')
    await expect(page.getByLabel(item, { exact: true })).toBeFocused()
    await key(page, 'Space')
  }
  await key(page, 'Tab') // Customer notified: not this time
  await key(page, 'Tab')
  await expect(page.getByRole('button', { name: 'Save note' })).toBeFocused()
  await key(page, 'Enter', 9)

  // F10 asks; Enter confirms (the dialog's focus is on End call).
  await key(page, 'F10')
  await expect(page.getByRole('alertdialog', { name: 'End the call?' })).toBeVisible()
  await expect(page.getByRole('button', { name: 'End call', exact: true })).toBeFocused()
  await key(page, 'Enter')

  // Report: focus starts at its heading; Tab reaches the buttons.
  const heading = page.getByRole('heading', { level: 1, name: /Call report/ })
  await expect(heading).toBeFocused()
  await expect(page.locator('.verdict .verdict-mark')).toHaveText('PASS')
  await expect(page.getByTestId('score')).toHaveText('100/100')
  await key(page, 'Tab')
  await expect(page.getByRole('button', { name: /Retry this call/ })).toBeFocused()
  await key(page, 'Tab')
  await expect(page.getByRole('button', { name: 'Back to scenarios' })).toBeFocused()
  await key(page, 'Enter')
  await expect(page.getByRole('heading', { name: 'Start a training call' })).toBeFocused()

  expect(await mouse.evaluate((seen) => seen.presses)).toBe(0)
})
