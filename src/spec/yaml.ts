import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Yaml from 'yaml';

/**
 * The yaml package, as the spec loader uses it. `npm run build` copies the package into one file
 * (scripts/bundle-yaml.mjs, checked against the package there): yaml is 72 CommonJS modules, and
 * Node 20 spends some 20 ms finding and loading them one by one, on every command that reads specs.
 * Run from source (the unit tests), it is the package itself.
 */
const bundled = fileURLToPath(new URL('../vendor/yaml.cjs', import.meta.url));
const require = createRequire(import.meta.url);
const yaml = (existsSync(bundled) ? require(bundled) : require('yaml')) as typeof Yaml;

export const { isAlias, isMap, isScalar, isSeq, parseDocument, LineCounter } = yaml;
export type LineCounter = Yaml.LineCounter;
/** For code that writes specs (freeze): comments and flow style need the Document API. */
export const YamlDocument = yaml.Document;
export type { Document, Node } from 'yaml';
