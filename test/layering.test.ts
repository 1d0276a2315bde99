// The arrows between the source folders, checked on the import statements themselves: the core
// imports no Node built-in (file I/O is src/node/, the command line src/cli/), lower layers never
// import higher ones, the web page imports the core only, and no module imports itself in a cycle.
// (Imports of types only are left out: they vanish at run time.)

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|js)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/**
 * The run-time imports of a file: static `import … from` / `export … from` (not `import type`), and
 * with `dynamic` also `import('…')` of a literal. (The kernel loader's `import('node:v8')`, guarded
 * to run only under Node, is such a dynamic import in the core.)
 */
function importsOf(file: string, dynamic = false): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?\bfrom\s+'([^']+)'/gm)) if (!m[1]) out.push(m[2]);
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) out.push(m[1]);
  if (dynamic) for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) out.push(m[1]);
  return out;
}

/** Relative imports resolved to repository paths. */
const localImports = (file: string, dynamic = false): string[] =>
  importsOf(file, dynamic)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));

const SRC = filesUnder('src');

describe('layering', () => {
  it('the core imports no Node built-in statically (only src/node/, src/cli/ and the Node entry src/index.ts do)', () => {
    const offenders = SRC.filter((f) => !/^src\/(node|cli)\//.test(f) && f !== 'src/index.ts').filter((f) => importsOf(f).some((s) => s.startsWith('node:')));
    expect(offenders).toEqual([]);
  });

  it('src/checkpoint, src/fast, src/optim, src/engine and src/models import nothing from src/train, src/node or src/cli', () => {
    const low = SRC.filter((f) => /^src\/(checkpoint|fast|optim|engine|models)\//.test(f));
    const bad = low.flatMap((f) =>
      localImports(f)
        .filter((t) => /^src\/(train|node|cli)\//.test(t))
        .map((t) => `${f} → ${t}`),
    );
    expect(bad).toEqual([]);
  });

  it('the web page imports the library from src/core.ts, never the Node entry', () => {
    const bad = filesUnder('web')
      .filter((f) => !f.startsWith('web/dist/') && f !== 'web/vite.config.ts')
      .flatMap((f) =>
        localImports(f, true)
          .filter((t) => t === 'src/index.ts' || /^src\/(node|cli)\//.test(t))
          .map((t) => `${f} → ${t}`),
      );
    expect(bad).toEqual([]);
  });

  it('no import cycle among the modules of src/', () => {
    const graph = new Map(SRC.map((f) => [f, localImports(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) if (graph.has(t)) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
