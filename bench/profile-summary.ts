/**
 * Summary of a V8 CPU profile (a `.cpuprofile` that `node --cpu-prof` writes, one per thread):
 * the functions with the most self time, the files with the most self time, and the functions
 * with the most total time (their own and their callees', each sample counted once per function
 * however deep the recursion), in ms and as shares of the profile. `--per N` also prints each as
 * microseconds per N (e.g. per point, with N the points of the profiled runs).
 *
 * Usage: node dist/bench/profile-summary.js FILE.cpuprofile [--top N] [--per N] [--match TEXT] [--callers TEXT]
 * (`--match` keeps the total-time lines whose function or file contains TEXT; `--callers` adds the
 * total time of the functions containing TEXT by their callers, 4 deep)
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a, i) => !a.startsWith('--') && !['--top', '--per', '--match', '--callers'].includes(args[i - 1] ?? ''));
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (file === undefined) {
  process.stderr.write('usage: node dist/bench/profile-summary.js FILE.cpuprofile [--top N] [--per N] [--match TEXT]\n');
  process.exit(2);
}
const top = Number(option('--top') ?? 30);
const per = Number(option('--per') ?? 0);
const match = option('--match');
const callersOf = option('--callers');
const callers = new Map<string, number>();

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const shortUrl = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*\/dist\//, '').replace(/^.*\/node_modules\//, 'node_modules/');
const key = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const fileOf = (n: ProfileNode): string => shortUrl(n.callFrame.url) || n.callFrame.functionName;

const self = new Map<string, number>();
const files = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
let idle = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000; // ms, the time until the next sample
  const node = byId.get(profile.samples[i] as number);
  if (node === undefined) continue;
  all += dt;
  if (node.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  self.set(key(node), (self.get(key(node)) ?? 0) + dt);
  files.set(fileOf(node), (files.get(fileOf(node)) ?? 0) + dt);
  if (callersOf !== undefined) {
    // The outermost frame matching: its caller gets the sample.
    let outer: ProfileNode | undefined;
    for (let at: ProfileNode | undefined = node; at !== undefined; at = byId.get(parent.get(at.id) ?? -1)) if (key(at).includes(callersOf)) outer = at;
    if (outer !== undefined) {
      // Its callers up to 4 deep.
      const chain: string[] = [];
      for (let at = byId.get(parent.get(outer.id) ?? -1); at !== undefined && chain.length < 4; at = byId.get(parent.get(at.id) ?? -1)) chain.push(key(at));
      const k = `${key(outer)} <- ${chain.join(' <- ') || '(none)'}`;
      callers.set(k, (callers.get(k) ?? 0) + dt);
    }
  }
  const seen = new Set<string>();
  for (let at: ProfileNode | undefined = node; at !== undefined; at = byId.get(parent.get(at.id) ?? -1)) {
    const k = key(at);
    if (seen.has(k)) continue;
    seen.add(k);
    total.set(k, (total.get(k) ?? 0) + dt);
  }
}

const busy = all - idle;
const line = (name: string, ms: number): string =>
  `${ms.toFixed(1).padStart(10)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)} %${per > 0 ? `${((ms * 1000) / per).toFixed(2).padStart(9)} us/pt` : ''}  ${name}\n`;
const print = (title: string, map: Map<string, number>, filter: (k: string) => boolean = () => true): void => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, ms] of [...map].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(line(k, ms));
};
process.stdout.write(`${file}: ${all.toFixed(0)} ms sampled, ${idle.toFixed(0)} ms idle, ${busy.toFixed(0)} ms busy (shares below are of busy)\n`);
print('self time, by function', self);
print('self time, by file', files);
print('total time (self + callees), by function', total, match === undefined ? undefined : (k) => k.includes(match));
if (callersOf !== undefined) print(`total time of ${callersOf}, by caller`, callers);
