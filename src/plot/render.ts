// Charts for the notebooks, drawn as SVG by Vega-Lite (compiled to Vega and rendered headless, with
// no browser and no canvas). Each chart function (one file per kind in this folder; the text heat
// map of text.ts alone writes its SVG itself) builds a Vega-Lite specification from plain numbers
// and returns a Figure: its SVG text, which a Jupyter kernel (Deno's) displays when it is the value
// of a cell, through the Symbol.for('Jupyter.display') method.
//
// vega and vega-lite are imported when the first chart is drawn, so the command line and anything
// else that never draws do not load them (`rnn plot` draws with them).

import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../errors.ts';

const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

export class Figure {
  constructor(readonly svg: string) {}

  /** What Jupyter shows: the SVG as an image. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return { 'image/svg+xml': this.svg };
  }
}

type Libraries = { vega: typeof import('vega'); vl: typeof import('vega-lite') };
let libraries: Promise<Libraries> | undefined;

function load(): Promise<Libraries> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]).then(
    ([vega, vl]) => ({ vega, vl }),
    () => {
      libraries = undefined;
      throw new UserError('charts need the vega and vega-lite packages (dependencies of this one): run `npm install`');
    },
  );
  return libraries;
}

/** Any Vega-Lite specification, rendered to SVG. */
export async function renderChart(spec: TopLevelSpec): Promise<Figure> {
  const { vega, vl } = await load();
  // NOTE: no ARIA labels: they describe every mark in words (one per character of a text heatmap)
  // and would be most of the SVG's size, in a notebook that already prints the numbers.
  const quiet = { ...spec, config: { aria: false, ...spec.config } } as TopLevelSpec;
  const view = new vega.View(vega.parse(vl.compile(quiet).spec), { renderer: 'none' });
  try {
    return new Figure(await view.toSVG());
  } finally {
    view.finalize();
  }
}
