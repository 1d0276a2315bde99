// DOT → SVG with Graphviz compiled to WebAssembly (@viz-js/viz). The package loads its
// WebAssembly module itself; it is imported only when a renderer is asked for (so a web page
// loads it on demand), and the caller keeps the renderer (no module-level cache here).

export type SvgRenderer = (dot: string) => string;

/** Load Graphviz; the function it gives lays out a DOT graph and draws it as SVG text. */
export async function svgRenderer(): Promise<SvgRenderer> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return (dot) => {
    const result = viz.render(dot, { format: 'svg' });
    if (result.status !== 'success') throw new Error(`graphviz: ${result.errors.map((e) => e.message).join('; ')}`);
    return result.output;
  };
}
