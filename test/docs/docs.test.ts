// The documentation check (scripts/check-docs.ts): the project's own docs pass it, and it catches
// what it is for (a dead link, a missing heading, an unknown command, option or script) in docs
// made up here.

import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  anchors,
  checkCommands,
  checkDocs,
  checkMarkdown,
  docFiles,
  type Known,
  knownFromProject,
  ROOT,
  type Tree,
  tsExamples,
  typecheckExamples,
} from '../../scripts/check-docs.ts';

let known: Known;
beforeAll(async () => {
  known = await knownFromProject();
});

/** A made-up tree: the files and their text. */
function tree(files: Record<string, string>): Tree {
  const dirs = new Set(
    Object.keys(files).flatMap((f) =>
      f
        .split('/')
        .slice(0, -1)
        .map((_, i, a) => a.slice(0, i + 1).join('/')),
    ),
  );
  return { exists: (p) => p in files || dirs.has(p), isFile: (p) => p in files, read: (p) => files[p] };
}

describe('the project', () => {
  it("takes the commands and options from the command line's help, and the scripts from package.json", () => {
    expect([...known.commands.keys()]).toContain('train');
    expect(known.commands.get('train')).toContain('hidden');
    expect(known.commands.get('train')).toContain('no-checkpoint');
    expect(known.commands.get('sample')).not.toContain('hidden');
    expect(known.scripts).toContain('test');
  });

  it('has docs whose links and commands all work', async () => {
    expect(docFiles()).toEqual(expect.arrayContaining(['README.md', 'docs/faults.md', 'experiments/README.md']));
    const problems = await checkDocs();
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([]);
  });
});

describe('the check', () => {
  const files = {
    'README.md': '',
    'docs/guide.md': '# Guide\n\n## Command line\n\n## Command line\n\n### `rnn train`\n',
    'src/index.ts': '',
  };

  it('passes links to files, directories and headings that exist', () => {
    const doc = [
      '# Title',
      'See [the guide](docs/guide.md), [its commands](docs/guide.md#command-line), [again](docs/guide.md#command-line-1),',
      '[train](docs/guide.md#rnn-train), [the code](src/), [here](#title) and [the web](https://example.com/x.md#nothing).',
    ].join('\n');
    expect(checkMarkdown('README.md', doc, known, tree(files))).toEqual([]);
  });

  it('fails a dead link, a missing heading and a link out of the repository, with the line', () => {
    const doc = [
      '# Title',
      'See [the guide](docs/gone.md).',
      'And [a section](docs/guide.md#no-such-section), [this one](#nowhere), [up](../../etc/passwd).',
      '`[not a link](nowhere.md)` in code is not checked.',
    ].join('\n');
    const problems = checkMarkdown('README.md', doc, known, tree(files));
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [2, 'dead link: docs/gone.md (docs/gone.md does not exist)'],
      [3, 'dead link: docs/guide.md#no-such-section (no heading in docs/guide.md has the anchor #no-such-section)'],
      [3, 'dead link: #nowhere (no heading in README.md has the anchor #nowhere)'],
      [3, 'link ../../etc/passwd leaves the repository'],
    ]);
  });

  it('resolves a link from a doc in a subdirectory against that directory', () => {
    expect(checkMarkdown('docs/guide.md', '[the readme](../README.md) [src](../src/index.ts)', known, tree(files))).toEqual([]);
    expect(checkMarkdown('docs/guide.md', '[the readme](README.md)', known, tree(files))).toHaveLength(1);
  });

  it('fails an unknown option, command or script in a code block or inline code, and passes real ones', () => {
    const doc = [
      'Run `rnn train --hiden 64` or `npm run tests`.',
      '```sh',
      'npm install && npm start      # a comment with rnn train --nothing in it',
      'npx rnn train --hidden 64 --layers=3 --no-checkpoint | head',
      'npx rnn sample --length 100 --temprature 0.5',
      'rnn fly --high',
      'npm run rnn -- eval --json --dropout 0.5',
      'RNN_DEBUG=1 rnn graph --help',
      'npm run bench -- --anything',
      'npm run build:kernels',
      '```',
    ].join('\n');
    const problems = checkMarkdown('README.md', doc, known, tree(files));
    expect(problems.map((p) => [p.line, p.message.replace(/ \(.*$/, '')])).toEqual([
      [1, 'rnn train --hiden: no such option'],
      [1, 'npm run tests: package.json has no such script'],
      [5, 'rnn sample --temprature: no such option'],
      [6, 'rnn fly: no such command'],
      [7, 'rnn eval --dropout: no such option'],
    ]);
  });

  it("fails a layout block's path that does not exist, and passes those that do", () => {
    const doc = [
      '```',
      'src/index.ts        the entry',
      'docs/{guide,gone}.md   two docs',
      'src/, lost.ts       a bare name lives beside the path before it',
      '                   a continuation line',
      '```',
    ].join('\n');
    const problems = checkMarkdown('README.md', doc, known, tree(files));
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [3, 'the layout names docs/gone.md, which does not exist'],
      [4, 'the layout names src/lost.ts, which does not exist'],
    ]);
  });

  it('leaves placeholders and other programs alone', () => {
    expect(checkCommands('rnn <command> [options]', known)).toEqual([]);
    expect(checkCommands('rnn plot LOG… [--out F.svg|F.png] [--x iterations|characters]', known)).toEqual([]);
    expect(checkCommands('python3 python/train.py --whatever', known)).toEqual([]);
    expect(checkCommands('rnn plot LOG… [--outfile F.svg]', known)).toEqual(["rnn plot --outfile: no such option ('rnn plot --help' lists them)"]);
  });

  it('finds headings the way GitHub names them', () => {
    expect([...anchors('# rnn-from-scratch\n## Set-up\n### `rnn train`\n## When one machine is not enough\n```\n# not a heading\n```\n## Set-up\n')]).toEqual([
      'rnn-from-scratch',
      'set-up',
      'rnn-train',
      'when-one-machine-is-not-enough',
      'set-up-1',
    ]);
  });
});

describe('the TypeScript examples', () => {
  it('are the ts blocks that import from ./src/', () => {
    const doc = ['```ts', "import { Rng } from './src/index.ts';", 'new Rng(1);', '```', '```ts', 'const x: number = 1;', '```'].join('\n');
    expect(tsExamples(doc)).toEqual([{ line: 2, code: "import { Rng } from './src/index.ts';\nnew Rng(1);\n" }]);
  });

  it("fail to type-check when they use what the library does not export, at the example's line", () => {
    // a tree whose README has one good and one bad example, with this project's src/, tsconfig and node_modules
    const root = mkdtempSync(join(tmpdir(), 'rnn-doc-test-'));
    try {
      for (const f of ['src', 'node_modules', 'tsconfig.json']) symlinkSync(join(ROOT, f), join(root, f));
      const readme = [
        '# Example',
        '```ts',
        "import { Rng } from './src/index.ts';",
        'console.log(new Rng(1).nextUint32());',
        '```',
        '```ts',
        "import { Rng, trainFaster } from './src/index.ts';",
        'trainFaster(new Rng(1));',
        '```',
      ].join('\n');
      writeFileSync(join(root, 'README.md'), readme);
      const problems = typecheckExamples(root);
      expect(problems.map((p) => [p.file, p.line])).toEqual([['README.md', 7]]);
      expect(problems[0].message).toMatch(/^the TypeScript example does not compile: error TS\d+: .*trainFaster/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
