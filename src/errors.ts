/**
 * An error caused by the user's input (a missing file, a bad option, a corrupt checkpoint).
 * The command line prints its message as one line and exits non-zero, without a stack trace.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/** A list of dimensions, `[12, 4]`, with at most 8 shown. */
export function showDims(dims: readonly number[]): string {
  return `[${dims.slice(0, 8).join(', ')}${dims.length > 8 ? `, … (${dims.length} dimensions)` : ''}]`;
}

/** `s` cut to `max` characters (with an ellipsis): for names and strings read from files. */
export function clip(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * A short, bounded rendering of any value for an error message: compact JSON, at most 3 levels deep,
 * 6 entries per array or object and `max` characters in all. NOTE: never JSON.stringify or String()
 * a value read from a file in a message: a shape nested 200,000 levels deep overflows the stack.
 */
export function preview(v: unknown, max = 60): string {
  const out = render(v, 3);
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

function render(v: unknown, depth: number): string {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === undefined) return 'undefined';
  if (typeof v !== 'object') return typeof v;
  if (depth === 0) return Array.isArray(v) ? '[…]' : '{…}';
  if (Array.isArray(v)) {
    const items = v.slice(0, 6).map((x) => render(x, depth - 1));
    return `[${items.join(',')}${v.length > 6 ? `,… (${v.length} entries)` : ''}]`;
  }
  const keys = Object.keys(v);
  const items = keys.slice(0, 6).map((k) => `${JSON.stringify(k.slice(0, 40))}:${render((v as Record<string, unknown>)[k], depth - 1)}`);
  return `{${items.join(',')}${keys.length > 6 ? ',…' : ''}}`;
}

/**
 * The `default` of a `switch` over a union (a cell kind, an optimizer): `x` has type `never` only
 * when every member was handled above, so adding a member is a compile error at each such switch.
 */
export function unreachable(x: never, what: string): never {
  throw new Error(`unknown ${what} ${preview(x)}`);
}
