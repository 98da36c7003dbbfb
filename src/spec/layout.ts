import { closestKey } from './suggest.js';

/** tmux's preset layouts (`select-layout NAME`), as tmux 3.3 knows them. */
export const LAYOUT_NAMES = ['even-horizontal', 'even-vertical', 'main-horizontal', 'main-vertical', 'tiled'] as const;

/** A cell of a custom layout: a pane (leaf) or a split of cells side by side `{}` or stacked `[]`. */
interface Cell {
  width: number;
  height: number;
  split?: 'left-right' | 'top-bottom';
  children: Cell[];
  /** Offset in the layout string where the cell starts, for messages. */
  at: number;
}

/** A custom layout string reads as one when it starts with tmux's 4-hex-digit checksum and a comma. */
export function isLayoutString(layout: string): boolean {
  return /^[0-9a-fA-F]{4},/.test(layout);
}

/**
 * tmux's checksum of a layout string (layout-custom.c, layout_checksum): a 16-bit rotate right by
 * one, then add the character, over everything after `xxxx,`.
 */
export function layoutChecksum(body: string): number {
  let csum = 0;
  for (let i = 0; i < body.length; i++) {
    csum = (csum >> 1) + ((csum & 1) << 15);
    csum = (csum + body.charCodeAt(i)) & 0xffff;
  }
  return csum;
}

/**
 * Why tmux's `select-layout` would refuse `layout` on a window of `panes` panes, or undefined.
 * A name must be one of LAYOUT_NAMES. A layout string is parsed as tmux parses it
 * (layout-custom.c: layout_parse, layout_construct, layout_check): checksum, grammar
 * `WxH,X,Y[,ID]` with `{...}` / `[...]` children, sizes that add up, and no more panes than cells
 * (tmux drops extra cells from the bottom right itself, but refuses too few).
 */
export function layoutProblem(layout: string, panes: number): string | undefined {
  if (!isLayoutString(layout)) {
    if ((LAYOUT_NAMES as readonly string[]).includes(layout)) return undefined;
    const guess = closestKey(layout, LAYOUT_NAMES);
    const hint = guess === undefined ? '' : ` (did you mean ${JSON.stringify(guess)}?)`;
    return `${JSON.stringify(layout)} is not a tmux layout${hint}; use one of ${LAYOUT_NAMES.join(', ')}, or a layout string as tmux prints it (#{window_layout}, e.g. "cf3a,200x50,0,0{100x50,0,0,0,99x50,101,0,1}")`;
  }
  const written = Number.parseInt(layout.slice(0, 4), 16);
  const body = layout.slice(5);
  const parsed = parseCell(body, 0);
  if ('error' in parsed) return `not a valid tmux layout string: ${parsed.error} at character ${5 + parsed.at + 1}`;
  if (parsed.end !== body.length) return `not a valid tmux layout string: unexpected ${JSON.stringify(body[parsed.end])} at character ${5 + parsed.end + 1}`;
  const actual = layoutChecksum(body);
  if (actual !== written) {
    const hex = actual.toString(16).padStart(4, '0');
    return `the layout string's checksum is ${layout.slice(0, 4)}, but tmux computes ${hex} for what follows the comma and would refuse it (copy the whole string from tmux display -p '#{window_layout}', or correct the checksum)`;
  }
  const mismatch = sizeMismatch(fitToChildren(parsed.cell));
  if (mismatch) {
    return `not a valid tmux layout string: the cells of the split at character ${5 + mismatch.at + 1} ${mismatch.why}`;
  }
  const cells = countCells(parsed.cell);
  if (panes > cells)
    return `the layout string has ${cells} ${cells === 1 ? 'cell' : 'cells'} for ${panes} panes; tmux refuses a layout with fewer cells than panes`;
  return undefined;
}

type Parsed = { cell: Cell; end: number } | { error: string; at: number };

/** layout_construct: `WxH,X,Y` then an optional `,ID`, then `{` or `[` children separated by `,`. */
function parseCell(text: string, start: number): Parsed {
  let i = start;
  const number = (what: string): { value: number } | { error: string; at: number } => {
    const from = i;
    while (i < text.length && text[i] >= '0' && text[i] <= '9') i++;
    if (i === from) return { error: `expected ${what}`, at: from };
    return { value: Number(text.slice(from, i)) };
  };
  const expect = (char: string, what: string): { error: string; at: number } | undefined => {
    if (text[i] !== char) return { error: `expected ${what}`, at: i };
    i++;
    return undefined;
  };

  const width = number('a width (WxH,X,Y)');
  if ('error' in width) return width;
  const x = expect('x', '"x" between width and height');
  if (x) return x;
  const height = number('a height');
  if ('error' in height) return height;
  for (const what of ['an x offset', 'a y offset']) {
    const comma = expect(',', `"," before ${what}`);
    if (comma) return comma;
    const offset = number(what);
    if ('error' in offset) return offset;
  }
  // `,ID` names a pane; a `,` followed by digits and `x` is the next sibling instead. Exactly as
  // tmux reads it, a lone `,` is taken as an empty ID.
  if (text[i] === ',') {
    const saved = i;
    i++;
    while (i < text.length && text[i] >= '0' && text[i] <= '9') i++;
    if (text[i] === 'x') i = saved;
  }
  const cell: Cell = { width: width.value, height: height.value, children: [], at: start };
  const open = text[i];
  if (open !== '{' && open !== '[') return { cell, end: i };
  cell.split = open === '{' ? 'left-right' : 'top-bottom';
  const close = open === '{' ? '}' : ']';
  do {
    i++;
    const child = parseCell(text, i);
    if ('error' in child) return child;
    cell.children.push(child.cell);
    i = child.end;
  } while (text[i] === ',');
  if (text[i] !== close) return { error: `expected "," or "${close}"`, at: i };
  return { cell, end: i + 1 };
}

/**
 * layout_parse makes the outermost cell the size its children add up to before it checks anything
 * (older tmux wrote layouts whose top cell was too large), so only inner cells must add up exactly.
 */
function fitToChildren(root: Cell): Cell {
  if (!root.split || root.children.length === 0) return root;
  const leftRight = root.split === 'left-right';
  const last = root.children[root.children.length - 1];
  const along = root.children.reduce((sum, child) => sum + (leftRight ? child.width : child.height) + 1, 0) - 1;
  return leftRight ? { ...root, width: along, height: last.height } : { ...root, width: last.width, height: along };
}

/** layout_check: children of a split share its other dimension, and theirs plus one border each add up to its own. */
function sizeMismatch(cell: Cell): { at: number; why: string } | undefined {
  if (!cell.split) return undefined;
  const along = cell.split === 'left-right' ? 'width' : 'height';
  const across = cell.split === 'left-right' ? 'height' : 'width';
  for (const child of cell.children) {
    if (child[across] !== cell[across]) return { at: cell.at, why: `must all have the same ${across}` };
  }
  const total = cell.children.reduce((sum, child) => sum + child[along] + 1, 0) - 1;
  if (total !== cell[along]) {
    return { at: cell.at, why: `add up to a ${along} of ${total} (with one column or row of border between them), not ${cell[along]}` };
  }
  for (const child of cell.children) {
    const inner = sizeMismatch(child);
    if (inner) return inner;
  }
  return undefined;
}

function countCells(cell: Cell): number {
  return cell.split ? cell.children.reduce((sum, child) => sum + countCells(child), 0) : 1;
}
