/** A small DOM toolkit: elements from tag, attributes and children; no framework. */

/** What an element may hold: nodes, text, and empties (left out). */
export type Child = Node | string | number | false | null | undefined;
type Attributes = Record<string, string | number | boolean | EventListener | undefined>;

/** `<tag ...attributes>children</tag>`; `on*` attributes are listeners, `false`/`undefined` attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'value' && 'value' in element) (element as HTMLInputElement).value = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends children, skipping empty ones. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces the children of `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild !== null) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** A `<select>` of `options` (value, label), with `selected` chosen. */
export function select(options: readonly (string | [string, string])[], selected: string, attributes: Attributes = {}): HTMLSelectElement {
  return h(
    'select',
    attributes,
    ...options.map((o) => {
      const [value, label] = typeof o === 'string' ? [o, o] : o;
      return h('option', { value, selected: value === selected }, label);
    }),
  );
}

/** Sets the options of an existing select, keeping the choice when it is still offered. */
export function setOptions(element: HTMLSelectElement, options: readonly (string | [string, string])[]): void {
  const chosen = element.value;
  replace(element, ...options.map((o) => {
    const [value, label] = typeof o === 'string' ? [o, o] : o;
    return h('option', { value }, label);
  }));
  const values = options.map((o) => (typeof o === 'string' ? o : o[0]));
  if (values.includes(chosen)) element.value = chosen;
}

/** Starts a browser download of `data` as `name`. */
export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = h('a', { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
