import { afterEach, describe, expect, it } from 'vitest';
import { EditorPool } from './editor-pool.js';

const DECLARATIONS = 'declare const stage: { moveAbs(x: number): void; position(): number };\ndeclare function record(stream: string, data: Record<string, unknown>): void;\n';
const pools: EditorPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.close();
});

function pool(budgetS?: number): EditorPool {
  const p = new EditorPool(() => DECLARATIONS, budgetS);
  pools.push(p);
  return p;
}

describe('the editor services, off the main thread', () => {
  it('check and complete as before: problems with their spans, completions of device methods', async () => {
    const editor = pool();
    const problems = await editor.check('scan.js', 'stage.moveAbs("far");\n');
    expect(problems).toEqual([expect.objectContaining({ line: 1, message: expect.stringContaining("'string' is not assignable") })]);
    const { items } = await editor.complete('scan.js', 'stage.', 6);
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(['moveAbs', 'position']));
  });

  it('the main thread keeps turning while a large script is checked (it was blocked for a minute by 1 MB)', async () => {
    // the budget is the editor's guard, not what is tested here: on a machine whose cores are all busy this check takes well over its default 20 s
    const editor = pool(600);
    const big = Array.from({ length: 2000 }, (_, i) => `const v${i} = stage.position() * ${i}; record('s', { v: v${i} });`).join('\n');
    let turns = 0;
    let checking = true;
    const spin = (): void => {
      turns++;
      if (checking) setImmediate(spin);
    };
    setImmediate(spin);
    const problems = await editor.check('big.js', big);
    checking = false;
    expect(problems).toEqual([]);
    expect(turns).toBeGreaterThan(10);
  });

  it('a check over its budget ends with deadline_exceeded naming the budget, and its worker is stopped', async () => {
    const editor = pool(0.001); // a cold worker alone takes far longer than a millisecond
    await expect(editor.check('slow.js', 'stage.position();')).rejects.toMatchObject({ code: 'deadline_exceeded', message: expect.stringContaining('took longer than 0.001 s') });
    expect((editor as unknown as { worker: unknown }).worker).toBeUndefined();
  });
});
