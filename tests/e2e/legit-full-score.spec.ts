import { expect, test } from '@playwright/test'
import path from 'node:path'
import { act, choose, endCall, expectSaved, openPicker, performHrt, saveNote, say, startCall } from './support/console'
import { expectAccessible } from './support/review'

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

// A change with a target: the confirmation says where calls will go, filled in with what the caller
// asked, and the trainee checks or corrects it with the keyboard alone; what they confirm is what is done.
test('hospital-call-forwarding: the confirmation’s target field, keyboard only, accessible, scored as confirmed', async ({ page }) => {
  await openPicker(page)
  await startCall(page, 'Calls forwarded during a hospital stay')
  await act(page, 'n', 1)
  await say(page, 'hope-it-goes-well', 2)
  await act(page, 'p', 3)
  await choose(page, 'o', 'line-of-record', 4)
  await say(page, 'forwarding-explained', 5)

  await choose(page, 'h', 'call-forwarding')
  const dialog = page.getByRole('alertdialog', { name: 'Confirm high-risk transaction' })
  const target = dialog.getByRole('textbox', { name: 'Forward calls to (phone number)' })
  await expect(target).toHaveValue('+1 555 0150 882')
  await expectAccessible(page, 'high-risk confirmation with a target')
  await page.screenshot({ path: path.resolve(__dirname, '..', '..', 'test-results', 'screenshots', 'hrt-target.png') })

  // From Back (where the dialog opens) back to the field, as a keyboard user goes.
  for (let i = 0; i < 6 && !(await target.evaluate((e) => e === e.ownerDocument.activeElement)); i++) await page.keyboard.press('Shift+Tab')
  await expect(target).toBeFocused()
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.type('my husband')
  await dialog.getByLabel('Send notice to line and email of record').focus()
  await page.keyboard.press('Space')
  await dialog.getByRole('button', { name: 'Place order' }).focus()
  await page.keyboard.press('Enter')
  await expect(dialog.getByRole('alert')).toHaveText(/"my husband" is not a phone number/)
  await expect(target).toBeFocused()
  await expect(target).toHaveAttribute('aria-invalid', 'true')
  await expectAccessible(page, 'high-risk confirmation with a target that will not do')
  await page.screenshot({ path: path.resolve(__dirname, '..', '..', 'test-results', 'screenshots', 'hrt-target-error.png') })

  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.type('+1 555 0150 882')
  await dialog.getByRole('button', { name: 'Place order' }).focus()
  await page.keyboard.press('Enter')
  await expectSaved(page, 6)
  await expect(page.locator('.transcript')).toContainText('Set up call forwarding (+1 555 0150 882): order placed, notice sent to line and email of record.')

  await saveNote(page, 'PIN + code to line of record. Call forwarding to +1 555 0150 882 for a hospital stay; notice sent.', ['Factors used', 'Outcome', 'Customer notified'], 7)
  await endCall(page)
  await expect(page.locator('.verdict .verdict-mark')).toHaveText('PASS')
  await expect(page.getByTestId('score')).toHaveText('100/100')
})
