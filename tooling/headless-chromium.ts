import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (CI installs it); `BLINDBOX_CHROMIUM` points elsewhere (e.g. GitHub's Chrome). */
export const CHROMIUM = process.env.BLINDBOX_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launches headless Chromium for browser tests. The background-networking flags matter here: this
 * machine's closed network refuses Chromium's own connections, many at a time.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
