/**
 * Summary of a V8 sampling heap profile (`.heapprofile`): bytes allocated by allocating function
 * and by the innermost `src/` function on the stack, as bytes per N (e.g. per point). The profile
 * must have been taken with the objects the garbage collector freed included (as
 * ./plan-point.ts `--heap` and ./heap-sample.ts take it), so it counts garbage as well as what lives.
 *
 * Usage: node dist/bench/heap-summary.js FILE.heapprofile --per N [--top K] [--match TEXT]
 * (`--match` keeps only the samples with a frame whose function or file contains TEXT on their stack)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A node of a sampling heap profile. */
export interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Prints the bytes of `head`'s samples per `per`, by allocating function and by innermost src/ function. */
export function summarizeHeap(head: HeapNode, per: number, label: string, top = 25, match?: string): void {
  const short = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*\/dist\//, '').replace(/^.*\/node_modules\//, 'node_modules/');
  const name = (n: HeapNode): string => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const bySelf = new Map<string, number>();
  const byOwn = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode, own: string | undefined, matched: boolean): void => {
    const here = n.callFrame.url.includes('/src/') ? name(n) : own;
    const now = matched || match === undefined || name(n).includes(match);
    if (n.selfSize > 0 && now) {
      total += n.selfSize;
      bySelf.set(name(n), (bySelf.get(name(n)) ?? 0) + n.selfSize);
      const k = here ?? '(no src/ frame)';
      byOwn.set(k, (byOwn.get(k) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c, here, now);
  };
  walk(head, undefined, false);
  const show = (title: string, m: Map<string, number>): void => {
    process.stdout.write(`${title}\n`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${(v / per).toFixed(0).padStart(6)} B  ${k}\n`);
  };
  process.stdout.write(`${label}: ${(total / per).toFixed(0)} B per point\n`);
  show('by allocating function, per point:', bySelf);
  show('by the innermost src/ function on the stack, per point:', byOwn);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const file = args[0];
  const per = Number(option('--per') ?? '1');
  if (file === undefined || file.startsWith('--') || !(per > 0)) {
    process.stderr.write('usage: node dist/bench/heap-summary.js FILE.heapprofile --per N [--top K] [--match TEXT]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };
  summarizeHeap(profile.head, per, `allocated in ${file}`, Number(option('--top') ?? '25'), option('--match'));
}
