/** The six colours prefixes take (cyan, yellow, green, magenta, blue, red), as docker compose cycles them. */
const PREFIX_COLORS = [36, 33, 32, 35, 34, 31] as const;

/** A stable colour for a target: the same name gets the same colour in every run. Pure. */
export function prefixColor(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return PREFIX_COLORS[h % PREFIX_COLORS.length]!;
}

/** `name  | ` padded to the widest name, coloured when `color`. Pure. */
export function linePrefix(name: string, width: number, color: boolean): string {
  const text = `${name.padEnd(width)} | `;
  return color ? `\x1b[${prefixColor(name)}m${text}\x1b[0m` : text;
}
