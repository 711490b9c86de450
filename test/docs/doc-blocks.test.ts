/** The doc test's own rules: which blocks it finds, how it reads markers, and when output does not match. */
import { describe, expect, it } from 'vitest';
import { DocSyntaxError, parseDoc } from './doc-blocks.js';
import { missingLine } from './doc-runner.js';

const DOC = [
  '# A doc',
  '<!-- doc-test: daemon; exit 2; newest-run abc123; setup: daq run x.js -->',
  '```console',
  '$ daq devices --remote 127.0.0.1:50051',
  'NAME    DRIVER',
  'stage   sim-stage   idle ...',
  '...',
  '$ daq runs',
  '```',
  '```sh',
  '$ make demo',
  '```',
  '<!-- doc-test: skip: runs forever -->',
  '',
  '```python',
  'print(1)',
  '```',
].join('\n');

describe('parseDoc', () => {
  const blocks = parseDoc('docs/x.md', DOC);

  it('finds console and python blocks with their lines and markers, not the others', () => {
    expect(blocks.map((b) => [b.lang, b.line])).toEqual([['console', 3], ['python', 15]]);
    expect(blocks[0]?.marker).toEqual({ daemon: true, exit: 2, compareOutput: true, newestRun: 'abc123', setup: ['daq run x.js'] });
    expect(blocks[0]?.commands.map((c) => [c.line, c.text, c.expected.length])).toEqual([[4, 'daq devices --remote 127.0.0.1:50051', 3], [8, 'daq runs', 0]]);
    expect(blocks[1]?.marker.skip).toBe('runs forever');
  });

  it('refuses a marker it cannot read, and a console block without a command, saying where', () => {
    expect(() => parseDoc('docs/y.md', '<!-- doc-test: deamon -->\n```console\n$ ls\n```')).toThrow(new DocSyntaxError('docs/y.md:1: doc-test marker: cannot read "deamon" (skip: REASON | daemon | exit N | output: example | newest-run TOKEN | setup: COMMAND)'));
    expect(() => parseDoc('docs/y.md', 'text\n```console\nsome output\n```')).toThrow(/docs\/y.md:2: a console block must start with a "\$ " command/);
  });
});

describe('missingLine', () => {
  const [block] = parseDoc('docs/x.md', DOC);
  const command = block!.commands[0]!;
  const same = (text: string): string => text;

  it('accepts output with the shown lines in order, spaces compared loosely and ... as a wildcard', () => {
    expect(missingLine(command, 'Lab x\nNAME DRIVER\nstage  sim-stage  idle  Movable, Stoppable\nlaser sim-laser idle\n', same)).toBeUndefined();
  });

  it('reports the first shown line the output lacks, with its line in the doc', () => {
    expect(missingLine(command, 'NAME DRIVER STATE\nstage sim-stage idle Movable\n', same)).toEqual({ line: 5, text: 'NAME    DRIVER' });
    expect(missingLine(command, 'stage sim-stage idle Movable\nNAME DRIVER\n', same)).toEqual({ line: 6, text: 'stage   sim-stage   idle ...' });
  });
});
