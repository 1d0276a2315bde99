// `rnn graph`: an SVG with every parameter's name, DOT on request, one-line errors for sizes too big.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cliSandbox, expectError } from './cli-helpers.ts';

const { dir, f, rnn } = cliSandbox('rnn-cli-graph-', 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rnn graph', () => {
  it('draws min-char-rnn for three steps by default', () => {
    const r = rnn('graph', '--out', f('m.svg'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/minchar, 1 layer, 3 steps, \d+ nodes, \d+ edges/);
    const svg = readFileSync(f('m.svg'), 'utf8');
    expect(svg).toContain('<svg');
    for (const name of ['Wxh', 'Whh', 'Why', 'bh', 'by', 'hprev']) expect(svg).toMatch(new RegExp(`>${name}(&#160;| )`));
    for (const t of [0, 1, 2]) expect(svg).toContain(`(t=${t})`);
  });

  it('writes the Graphviz source for a .dot name', () => {
    const r = rnn('graph', '--model', 'lstm', '--seq', '1', '--out', f('l.dot'));
    expect(r.code, r.err).toBe(0);
    const dot = readFileSync(f('l.dot'), 'utf8');
    expect(dot).toMatch(/^digraph tape \{/);
    expect(dot).toContain('rnn.weight_hh_l0');
    expect(dot).toContain('"layer 0"');
  });

  it('refuses sizes too big to draw legibly, in one line, before writing anything', () => {
    expectError(rnn('graph', '--seq', '9', '--out', f('x.svg')), 2, /--seq 9 is too big to draw legibly \(at most 8\)/);
    expectError(rnn('graph', '--layers', '4', '--out', f('x.svg')), 2, /--layers 4 is too big/);
    expectError(rnn('graph', '--model', 'gru', '--layers', '3', '--seq', '8', '--out', f('x.svg')), 2, /\d+ nodes, too many to draw legibly \(at most 200\)/);
    expectError(rnn('graph', '--text', 'ab', '--out', f('x.svg')), 2, /--text has 2 characters; --seq 3 needs at least 4/);
    expectError(rnn('graph', '--model', 'transformer'), 2, /--model/);
    expect(existsSync(f('x.svg'))).toBe(false);
  });

  it('is listed in rnn --help', () => {
    expect(rnn('--help').out).toMatch(/^ {2}graph {2,}draw the tape/m);
  });
});
