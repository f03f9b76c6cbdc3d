import { nextTick, ref, type Ref } from 'vue'

/**
 * Keyboard for a table of rows (the session list, the queue): one row is in
 * the tab order at a time (a roving tabindex), arrow keys move between rows,
 * Home and End jump, Enter opens. PageUp and PageDown go to the previous or
 * next page when the table is paged. Rows carry `data-row-index`.
 */
export function useRowKeys(options: {
  root: Ref<HTMLElement | null>
  count: () => number
  open: (index: number) => void
  previousPage?: () => void
  nextPage?: () => void
}) {
  const active = ref(0)

  async function focusRow(index: number): Promise<void> {
    const count = options.count()
    if (!count) return
    active.value = Math.max(0, Math.min(count - 1, index))
    await nextTick()
    options.root.value?.querySelector<HTMLElement>(`[data-row-index="${active.value}"]`)?.focus()
  }

  function onKeydown(event: KeyboardEvent): void {
    if (event.ctrlKey || event.metaKey || event.altKey) return
    const target = event.target instanceof HTMLElement ? event.target : null
    // Keys typed into a control inside a row (a button) keep their own meaning, except the arrows.
    const onRow = target?.hasAttribute('data-row-index') ?? false
    switch (event.key) {
      case 'ArrowDown':
      case 'j':
        event.preventDefault()
        void focusRow(active.value + 1)
        break
      case 'ArrowUp':
      case 'k':
        event.preventDefault()
        void focusRow(active.value - 1)
        break
      case 'Home':
        event.preventDefault()
        void focusRow(0)
        break
      case 'End':
        event.preventDefault()
        void focusRow(options.count() - 1)
        break
      case 'PageDown':
        if (options.nextPage) {
          event.preventDefault()
          options.nextPage()
        }
        break
      case 'PageUp':
        if (options.previousPage) {
          event.preventDefault()
          options.previousPage()
        }
        break
      case 'Enter':
        if (onRow) {
          event.preventDefault()
          options.open(active.value)
        }
        break
    }
  }

  function onFocusRow(index: number): void {
    active.value = index
  }

  return { active, focusRow, onKeydown, onFocusRow }
}
