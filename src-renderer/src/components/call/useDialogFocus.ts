import { nextTick, onBeforeUnmount, onMounted, type Ref } from 'vue'

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/**
 * Modal focus handling for the console's dialogs: focus moves in (to
 * `[data-autofocus]` or the first control), Tab stays inside, and focus goes
 * back where it was when the dialog closes. `handleKeydown` gives every dialog
 * the same keyboard contract: keys stay inside (the console's shortcuts never
 * see them), Escape backs out through `onClose`, Tab is trapped; `extraKeys`
 * lets a dialog add its own (a chooser's number keys) and return true when it
 * handled one.
 */
export function useDialogFocus(
  root: Ref<HTMLElement | null>,
  options: { onClose: () => void; extraKeys?: (event: KeyboardEvent) => boolean },
) {
  let previous: HTMLElement | null = null

  function focusables(): HTMLElement[] {
    return root.value ? Array.from(root.value.querySelectorAll<HTMLElement>(FOCUSABLE)) : []
  }

  function trapTab(event: KeyboardEvent): void {
    if (event.key !== 'Tab') return
    const items = focusables()
    if (!items.length) return
    const first = items[0]!
    const last = items[items.length - 1]!
    const active = document.activeElement
    if (event.shiftKey && (active === first || !root.value?.contains(active))) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && active === last) {
      event.preventDefault()
      first.focus()
    }
  }

  function handleKeydown(event: KeyboardEvent): void {
    event.stopPropagation()
    if (event.key === 'Escape') {
      event.preventDefault()
      options.onClose()
      return
    }
    if (options.extraKeys?.(event)) return
    trapTab(event)
  }

  onMounted(async () => {
    previous = document.activeElement instanceof HTMLElement ? document.activeElement : null
    await nextTick()
    const target = root.value?.querySelector<HTMLElement>('[data-autofocus]') ?? focusables()[0] ?? root.value
    target?.focus()
  })

  onBeforeUnmount(() => {
    const back = previous
    // After the DOM update, so the element is not focused while its dialog still covers it.
    void nextTick(() => {
      if (back && back.isConnected && back !== document.body) back.focus()
    })
  })

  return { handleKeydown, focusables }
}
