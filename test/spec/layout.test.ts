import { describe, expect, it } from 'vitest';
import { isLayoutString, LAYOUT_NAMES, layoutChecksum, layoutProblem } from '../../src/spec/layout.js';

/** A layout string with the checksum tmux would write for `body`. */
const withChecksum = (body: string) => `${layoutChecksum(body).toString(16).padStart(4, '0')},${body}`;

describe('tmux layouts', () => {
  it('knows the five preset names', () => {
    expect(LAYOUT_NAMES).toEqual(['even-horizontal', 'even-vertical', 'main-horizontal', 'main-vertical', 'tiled']);
    for (const name of LAYOUT_NAMES) expect(layoutProblem(name, 4)).toBeUndefined();
    expect(layoutProblem('Tiled', 2)).toMatch(/^"Tiled" is not a tmux layout \(did you mean "tiled"\?\)/);
  });

  // Printed by tmux 3.3a (#{window_layout}) for a 200x50 window: a split and a nested split, main-vertical,
  // tiled, and a window of one pane. Each was accepted back by select-layout.
  it.each([
    ['21be,200x50,0,0{100x50,0,0,0,99x50,101,0[99x25,101,0,1,99x24,101,26,2]}', 3],
    ['5b8a,200x50,0,0{80x50,0,0,0,119x50,81,0[119x24,81,0,1,119x25,81,25,2]}', 3],
    ['4efd,200x50,0,0[200x24,0,0{99x24,0,0,0,100x24,100,0,1},200x25,0,25,2]', 3],
    ['aca0,200x50,0,0,3', 1],
    ['cf3a,200x50,0,0{100x50,0,0,0,99x50,101,0,1}', 2],
  ])('accepts what tmux printed: %s', (layout, panes) => {
    expect(isLayoutString(layout)).toBe(true);
    expect(layoutProblem(layout, panes)).toBeUndefined();
  });

  it('computes the checksum as layout_checksum does (rotate right by one, add the character, 16 bits)', () => {
    expect(layoutChecksum('200x50,0,0,3')).toBe(0xaca0);
    expect(layoutChecksum('200x50,0,0{100x50,0,0,0,99x50,101,0[99x25,101,0,1,99x24,101,26,2]}')).toBe(0x21be);
    expect(layoutChecksum('')).toBe(0);
  });

  it('refuses a wrong checksum and says which one tmux computes', () => {
    expect(layoutProblem('abcd,200x50,0,0,1', 1)).toMatch(/^the layout string's checksum is abcd, but tmux computes ac9e for what follows the comma/);
  });

  it.each([
    ['80x24', 'expected "," before an x offset at character 11'],
    ['80x24,0', 'expected "," before a y offset at character 13'],
    ['x24,0,0', 'expected a width (WxH,X,Y) at character 6'],
    ['80y24,0,0', 'expected "x" between width and height at character 8'],
    ['80x24,0,0{40x24,0,0,1,39x24,41,0,2', 'expected "," or "}" at character 40'],
    ['80x24,0,0{40x24,0,0,1,39x24,41,0,2]', 'expected "," or "}" at character 40'],
    ['80x24,0,0,1}', 'unexpected "}" at character 17'],
    ['80x24,0,0(', 'unexpected "(" at character 15'],
  ])('refuses bad grammar: %s', (body, where) => {
    expect(layoutProblem(withChecksum(body), 1)).toBe(`not a valid tmux layout string: ${where}`);
  });

  it('tells a pane id from the next cell (",5," then "40x" is a sibling, not an id)', () => {
    expect(layoutProblem(withChecksum('80x24,0,0{40x24,0,0,39x24,41,0}'), 2)).toBeUndefined();
    expect(layoutProblem(withChecksum('80x24,0,0{40x24,0,0,7,39x24,41,0,8}'), 2)).toBeUndefined();
  });

  it('checks sizes as layout_check does, after fitting the outer cell to its children', () => {
    // The outer cell is made the size of its children (tmux accepts this one).
    expect(layoutProblem(withChecksum('200x50,0,0{100x50,0,0,0,90x50,101,0,1}'), 2)).toBeUndefined();
    expect(layoutProblem(withChecksum('200x50,0,0{100x50,0,0,0,99x40,101,0,1}'), 2)).toBe(
      'not a valid tmux layout string: the cells of the split at character 6 must all have the same height',
    );
  });

  it('refuses fewer cells than panes; more cells are fine (tmux drops the extra ones)', () => {
    expect(layoutProblem('cf3a,200x50,0,0{100x50,0,0,0,99x50,101,0,1}', 3)).toBe(
      'the layout string has 2 cells for 3 panes; tmux refuses a layout with fewer cells than panes',
    );
    expect(layoutProblem('cf3a,200x50,0,0{100x50,0,0,0,99x50,101,0,1}', 1)).toBeUndefined();
  });

  it('reads anything that does not start with 4 hex digits and a comma as a name', () => {
    expect(isLayoutString('tiled')).toBe(false);
    expect(isLayoutString('abc,80x24,0,0')).toBe(false);
    expect(layoutProblem('abc,80x24,0,0', 1)).toMatch(/^"abc,80x24,0,0" is not a tmux layout;/);
  });
});
