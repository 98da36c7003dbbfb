import { readFileSync } from 'node:fs';
import type { Io } from '../io.js';

export function schemaCommand(io: Io): number {
  io.out(readFileSync(new URL('../../../schema/tmuxctl.schema.json', import.meta.url), 'utf8'));
  return 0;
}
