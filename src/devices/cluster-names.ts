/**
 * What a lab id and a daemon name may be: each is a single NATS subject token (src/cluster
 * builds `daq.<lab>.<daemon>.docs` from them) and part of stream and bucket names, so letters,
 * digits, `-` and `_` only. Here, below the lab config, so that both it and src/cluster check
 * names the same way.
 */

/** The longest lab id, daemon name or device name used in a subject. */
export const MAX_TOKEN = 64;

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Why `value` cannot be a subject token, or undefined when it can. */
export function tokenProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_TOKEN) return `is ${value.length} characters long (at most ${MAX_TOKEN})`;
  if (TOKEN.test(value)) return undefined;
  const bad = [...new Set([...value].filter((c) => !/[A-Za-z0-9_-]/.test(c)))].map((c) => (c === ' ' ? 'a space' : `"${c}"`));
  return `contains ${bad.join(', ')}: use letters, digits, "-" and "_" only (no ".", "*", ">" or spaces: they change what a NATS subject means)`;
}
