/**
 * A minimal W3C WebDriver client over plain HTTP (fetch), for the desktop app's test through
 * tauri-driver: sessions, windows, elements, clicks, typing, attributes, scripts. Only what the
 * tests use; every failure names the command and what the driver answered.
 */

/** The key W3C WebDriver names an element reference by. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** An error a WebDriver command answered with (`error` is the W3C error code). */
export class WebDriverError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sends one command; resolves with its `value`. */
async function command<T>(base: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
  });
  const text = await response.text();
  let parsed: { value?: unknown };
  try {
    parsed = JSON.parse(text) as { value?: unknown };
  } catch {
    throw new WebDriverError('bad answer', `${method} ${path}: HTTP ${response.status}, not JSON: ${text.slice(0, 500)}`);
  }
  const value = parsed.value as { error?: string; message?: string } | undefined;
  if (!response.ok || (typeof value === 'object' && value !== null && typeof value.error === 'string')) {
    throw new WebDriverError(value?.error ?? `HTTP ${response.status}`, `${method} ${path}: ${value?.error ?? response.status}: ${value?.message ?? text.slice(0, 500)}`);
  }
  return parsed.value as T;
}

/** An element of the page, by its WebDriver reference. */
export class Element {
  constructor(
    private readonly session: Session,
    readonly id: string,
  ) {}

  text(): Promise<string> {
    return this.session.send('GET', `/element/${this.id}/text`);
  }

  attribute(name: string): Promise<string | null> {
    return this.session.send('GET', `/element/${this.id}/attribute/${encodeURIComponent(name)}`);
  }

  async click(): Promise<void> {
    await this.session.send('POST', `/element/${this.id}/click`, {});
  }

  async clear(): Promise<void> {
    await this.session.send('POST', `/element/${this.id}/clear`, {});
  }

  /** Types `text` into it. */
  async type(text: string): Promise<void> {
    await this.session.send('POST', `/element/${this.id}/value`, { text });
  }

  displayed(): Promise<boolean> {
    return this.session.send('GET', `/element/${this.id}/displayed`);
  }
}

/** A WebDriver session. */
export class Session {
  private constructor(
    private readonly base: string,
    readonly id: string,
  ) {}

  /** Opens a session with `capabilities` (W3C `alwaysMatch`) on the driver at `base` (http://127.0.0.1:PORT). */
  static async open(base: string, capabilities: Record<string, unknown>): Promise<Session> {
    const value = await command<{ sessionId: string }>(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new Session(base, value.sessionId);
  }

  /** A command of this session (`path` after /session/ID). */
  send<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return command<T>(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** The elements matching a CSS selector (none: []). */
  async all(selector: string): Promise<Element[]> {
    const found = await this.send<Record<string, string>[]>('POST', '/elements', { using: 'css selector', value: selector });
    return found.map((reference) => new Element(this, reference[ELEMENT] ?? ''));
  }

  /** The first element matching a CSS selector, or undefined. */
  async find(selector: string): Promise<Element | undefined> {
    return (await this.all(selector))[0];
  }

  /** The first element matching, or an error naming the selector. */
  async get(selector: string): Promise<Element> {
    const element = await this.find(selector);
    if (element === undefined) throw new Error(`no element matches ${selector}`);
    return element;
  }

  /** The text of the first element matching (undefined while there is none). */
  async textOf(selector: string): Promise<string | undefined> {
    return (await this.find(selector))?.text();
  }

  /** Runs `script` (a function body; `arguments` holds `args`) in the page; resolves with what it returns. */
  execute<T>(script: string, ...args: unknown[]): Promise<T> {
    return this.send('POST', '/execute/sync', { script, args });
  }

  windowHandles(): Promise<string[]> {
    return this.send('GET', '/window/handles');
  }

  windowHandle(): Promise<string> {
    return this.send('GET', '/window');
  }

  async switchTo(handle: string): Promise<void> {
    await this.send('POST', '/window', { handle });
  }

  /** Closes the current window. */
  async closeWindow(): Promise<void> {
    await this.send('DELETE', '/window');
  }

  /** A PNG of the current window. */
  async screenshot(): Promise<Buffer> {
    return Buffer.from(await this.send<string>('GET', '/screenshot'), 'base64');
  }

  url(): Promise<string> {
    return this.send('GET', '/url');
  }

  /** Ends the session (the driver closes the app). */
  async close(): Promise<void> {
    await command(this.base, 'DELETE', `/session/${this.id}`);
  }
}

/** Whether the driver at `base` answers /status with ready. */
export async function driverReady(base: string): Promise<boolean> {
  try {
    const value = await command<{ ready?: boolean }>(base, 'GET', '/status');
    return value.ready !== false;
  } catch {
    return false;
  }
}
