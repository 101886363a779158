import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium (found by tests/support/optional-tools.ts `needs(CHROMIUM, …)`), headless, driven by
 * playwright-core, which never downloads a browser of its own. Nothing it does reaches the network on its
 * own account: no background networking, component updates or first-run pages.
 */
export function launchChromium(executablePath: string | undefined): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
