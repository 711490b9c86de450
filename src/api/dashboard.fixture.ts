/**
 * What every browser test of the dashboard shares: Debian's chromium through playwright-core, a
 * watch on each page that makes any page error, console error or missing file fail the test that
 * saw it, and the layout checks a user would notice: text that overlaps other text or a control,
 * and plots drawn empty. Screenshots go to test-output/dashboard/, or to DAQ_SCREENSHOTS
 * (`make screenshots` sets docs/dashboard).
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ROOT } from './daemon.fixture.js';

/** Where screenshots go: DAQ_SCREENSHOTS (relative to the repository), else test-output/dashboard. */
export const SHOTS = join(ROOT, process.env['DAQ_SCREENSHOTS'] ?? 'test-output/dashboard');

/** Debian's chromium from PATH (CHROMIUM overrides). */
export function chromiumPath(): string {
  if (process.env['CHROMIUM'] !== undefined) return process.env['CHROMIUM'];
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('the dashboard tests need chromium: make system (apt-get install chromium)');
  }
}

/** Headless chromium; the screenshot directory made. */
export async function launchChromium(): Promise<Browser> {
  await mkdir(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--font-render-hinting=none'],
  });
}

/** An API call of the page (Connect over HTTP): its failures are the daemon's answers, which the page shows itself. */
function isRpc(url: string): boolean {
  return /^\/daq\.v1\.\w+\/\w+$/.test(new URL(url).pathname);
}

/**
 * Problems the pages showed a user could notice, or a developer would see in the console: page
 * errors (an exception nobody caught), console errors, and files asked for that are not there.
 * The browser also logs "Failed to load resource" for every API call the daemon refused or could
 * not take (a refused command, the daemon restarting): those are answers the page shows in its
 * own words (each test checks them), so they are not counted; any other resource that fails is.
 */
export class PageProblems {
  private problems: string[] = [];

  /** Watches `page` from now on. */
  watch(page: Page): Page {
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.name}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const at = message.location().url;
      if (/^Failed to load resource/.test(message.text()) && at !== '' && isRpc(at)) return;
      this.problems.push(`console error: ${message.text()}${at === '' ? '' : ` (${at})`}`);
    });
    page.on('response', (response) => {
      if (response.status() === 404 && !isRpc(response.url())) this.problems.push(`404: ${response.url()}`);
    });
    return page;
  }

  /** The problems seen since the last call, forgotten. */
  take(): string[] {
    return this.problems.splice(0);
  }
}

/** In the page: the overlapping pairs (see {@link overlaps}); plain JavaScript, as the page runs it. */
const OVERLAPS = `(() => {
    const pieces = [];
    // Shown: not hidden by CSS, not transparent, not in a closed <details> (whose content keeps a layout).
    const visible = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) && el.closest('details:not([open]) > :not(summary)') === null;
    // The box of \`rect\` that shows: cut by \`from\` and every element around it that clips its overflow.
    const clip = (from, rect) => {
      let { x, y, r, b } = rect;
      for (let p = from; p !== null; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const c = p.getBoundingClientRect();
        x = Math.max(x, c.left);
        y = Math.max(y, c.top);
        r = Math.min(r, c.right);
        b = Math.min(b, c.bottom);
      }
      return r - x >= 1 && b - y >= 1 ? { x, y, r, b } : undefined;
    };
    const name = (el) => {
      const id = el.id === '' ? '' : \`#\${el.id}\`;
      const cls = typeof el.className === 'string' && el.className !== '' ? \`.\${el.className.trim().split(/\\s+/).join('.')}\` : '';
      return \`\${el.tagName.toLowerCase()}\${id}\${cls}\`;
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = node.textContent?.trim() ?? '';
      const parent = node.parentElement;
      if (text === '' || parent === null || !visible(parent) || parent.closest('select, option, script, style, .hidden') !== null) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) {
        const shown = clip(parent, { x: rect.left, y: rect.top, r: rect.right, b: rect.bottom });
        if (shown !== undefined) pieces.push({ what: \`"\${text.slice(0, 40)}" in \${name(parent)}\`, node, ...shown, control: false });
      }
    }
    for (const el of document.querySelectorAll('button, input, select, textarea, canvas')) {
      if (!visible(el)) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width < 1 || rect.height < 1) continue;
      const shown = clip(el.parentElement, { x: rect.left, y: rect.top, r: rect.right, b: rect.bottom });
      if (shown !== undefined) pieces.push({ what: name(el), node: el, ...shown, control: true });
    }
    const found = [];
    for (let i = 0; i < pieces.length; i++) {
      for (let j = i + 1; j < pieces.length; j++) {
        const a = pieces[i];
        const b = pieces[j];
        if (a.control && b.control && a.node.tagName === 'CANVAS' && b.node.tagName === 'CANVAS') continue; // layers of one picture
        if (a.node === b.node || a.node.contains(b.node) || b.node.contains(a.node)) continue;
        const w = Math.min(a.r, b.r) - Math.max(a.x, b.x);
        const h = Math.min(a.b, b.b) - Math.max(a.y, b.y);
        if (w >= 2 && h >= 2) found.push(\`\${a.what} overlaps \${b.what} (\${Math.round(w)}×\${Math.round(h)} px at \${Math.round(Math.max(a.x, b.x))},\${Math.round(Math.max(a.y, b.y))})\`);
      }
    }
    return found;
})()`;

/**
 * Pairs of things on the page that overlap: each visible piece of text (a line of a text node,
 * clipped by scrolling containers) against every other piece of text and every control (button,
 * input, select, textarea, canvas) that does not hold it. Overlaps of less than 2 px either way
 * are not counted (anti-aliased edges touch).
 */
export async function overlaps(page: Page): Promise<string[]> {
  return page.evaluate(OVERLAPS) as Promise<string[]>;
}

/** Whether the page is wider than its window (a horizontal scroll bar: something cut at the right), and what sticks out. */
export async function overflowsWidth(page: Page): Promise<string | undefined> {
  const over = (await page.evaluate(`(() => {
    const over = (document.scrollingElement ?? document.documentElement).scrollWidth - window.innerWidth;
    if (over <= 0) return '';
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && el.getClientRects().length > 0)
      .slice(0, 3)
      .map((el) => el.tagName.toLowerCase() + (el.id === '' ? '' : '#' + el.id));
    return 'the page is ' + over + ' px wider than the window (' + wide.join(', ') + ')';
  })()`)) as string;
  return over === '' ? undefined : over;
}

/**
 * How many distinct colours the canvas `selector` has inside its middle (the plot area without
 * its axes): 1 means an empty box. Counts up to 64.
 */
export async function canvasColours(page: Page, selector: string): Promise<number> {
  return (await page.evaluate(`((canvas) => {
    if (canvas === null) return 0;
    const ctx = canvas.getContext('2d');
    if (ctx === null) return 0;
    const x0 = Math.floor(canvas.width * 0.1);
    const y0 = Math.floor(canvas.height * 0.1);
    const data = ctx.getImageData(x0, y0, Math.max(1, Math.floor(canvas.width * 0.8)), Math.max(1, Math.floor(canvas.height * 0.8))).data;
    const colours = new Set();
    for (let i = 0; i < data.length && colours.size < 64; i += 4) colours.add((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]);
    return colours.size;
  })(document.querySelector(${JSON.stringify(selector)}))`)) as number;
}
