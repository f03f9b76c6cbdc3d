import { expect, test } from '@playwright/test'
import { act, choose, endCall, openPicker, performHrt, saveNote, say, startCall } from './support/console'

// (b) A real customer, verified properly and served: full marks.
test('routine-esim-transfer played well scores 100 and the report says so', async ({ page }) => {
  await openPicker(page)
  await startCall(page, 'New phone, old phone in hand')
  await expect(page.locator('[data-auth="locked"]')).toBeVisible()

  await act(page, 'n', 1)
  await say(page, 'congrats-and-plan', 2)
  await act(page, 'p', 3)
  await choose(page, 'o', 'line-of-record', 4)
  await expect(page.locator('[data-auth="unlocked"]')).toBeVisible()
  await expect(page.getByTestId('account-details')).toContainText('7700')

  await say(page, 'how-it-works', 5)
  await performHrt(page, 'esim-transfer', { notify: true, hold: true }, 6)
  await saveNote(
    page,
    'PIN + code to line of record (old phone). eSIM transfer to the new phone placed with the 10-min hold; notice to line and email of record.',
    ['Factors used', 'Outcome', 'Customer notified'],
    7,
  )
  await endCall(page)

  await expect(page.locator('.verdict .verdict-mark')).toHaveText('PASS')
  await expect(page.getByTestId('score')).toHaveText('100/100')
  await expect(page.locator('.verdict__outcome-text')).toContainText('verified and served')
  await expect(page.getByText('No deductions.')).toBeVisible()
  for (const row of await page.locator('.sections__row').all()) {
    const [score, max] = (await row.locator('.sections__num').innerText()).split('/').map((s) => Number(s.trim()))
    expect(score).toBe(max)
  }
})
