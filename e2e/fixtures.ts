import { test as base, expect, type Page } from '@playwright/test';

/** Every test fails if the page logs a console error or throws: bad input must never reach the console. */
export const test = base.extend<{ app: Page }>({
  app: async ({ page }, use) => {
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto('/');
    await expect(page.getByTestId('graph').locator('[data-node-id^="p:"]').first()).toBeVisible();
    await use(page);
    expect(problems, 'console errors during the test').toEqual([]);
  },
});
export { expect };

/** Type a line into the xterm terminal and press Enter. */
export async function typeLine(page: Page, line: string) {
  await page.getByTestId('terminal').locator('.xterm').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

export const terminalText = (page: Page) => page.getByTestId('terminal').locator('.xterm-rows').innerText();

/** Terminal text with row breaks removed, for matching lines longer than the terminal is wide. */
export const terminalFlat = async (page: Page) => (await terminalText(page)).replace(/\n/g, '');

/** Virtual time in seconds, as the top bar shows it. */
export async function vtime(page: Page): Promise<number> {
  return parseFloat((await page.getByTestId('vtime').innerText()).replace(/[^\d.]/g, ''));
}

/** Flip a defense from the top bar's Defenses menu (opened for it, closed after), as a person would. */
export async function toggleDefense(page: Page, id: string) {
  const box = page.getByTestId(`defense-${id}`);
  const was = await box.isChecked();
  if (!(await box.isVisible())) await page.getByTestId('defenses-button').click();
  await box.click();
  await page.keyboard.press('Escape');
  // The box shows the kernel's state, so it flips once the kernel has it.
  await expect(box).toBeChecked({ checked: !was });
}

/** Play a gallery entry to its end in one mode, until its script is done. */
export async function playGallery(app: Page, id: string, mode: 'on' | 'off') {
  const gallery = app.getByTestId('gallery');
  await gallery.getByTestId('gallery-entry').selectOption(id);
  await gallery.getByTestId(`gallery-mode-${mode}`).check();
  await gallery.getByTestId('gallery-play').click();
  const narration = gallery.getByTestId('gallery-narration');
  await expect(narration).toContainText('step 1 of');
  while (!(await gallery.getByTestId('gallery-done').isVisible())) {
    const next = gallery.getByTestId('gallery-next');
    await expect(next).toBeEnabled({ timeout: 15_000 });
    await next.click();
  }
  await expect(app.getByTestId('gallery-next')).toHaveCount(0);
  await expect
    .poll(
      () =>
        app.evaluate(
          () =>
            (globalThis as unknown as { capplay: { store: { getState(): { scriptBusy: boolean } } } }).capplay.store.getState().scriptBusy,
        ),
      { timeout: 15_000 },
    )
    .toBe(false);
}

/** This installation's key as the ledger panel's Key dialog shows it (opened, read, closed; `shot`: a screenshot first). */
export async function installationKey(app: Page, shot?: string): Promise<{ keyId: string; vkey: string }> {
  const ledger = app.getByTestId('ledger');
  await ledger.getByTestId('installation-key-button').click();
  const keyId = (await ledger.getByTestId('installation-key-id').innerText()).trim();
  const vkey = (await ledger.getByTestId('installation-vkey').innerText()).trim();
  if (shot) {
    await ledger.scrollIntoViewIfNeeded();
    await ledger.screenshot({ path: shot });
  }
  await ledger.getByRole('dialog', { name: "This installation's signing key" }).getByRole('button', { name: 'Close' }).click();
  return { keyId, vkey };
}
