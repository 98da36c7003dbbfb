import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Yaml from 'yaml';

/**
 * The yaml package for `import`, which both reads other tools' files and writes the spec (with
 * comments, through the Document API). Loaded the way src/spec/yaml.ts loads it: the one-file copy
 * that `npm run build` makes when it exists, the package itself when run from source.
 */
const bundled = fileURLToPath(new URL('../vendor/yaml.cjs', import.meta.url));
const require = createRequire(import.meta.url);
const yaml = (existsSync(bundled) ? require(bundled) : require('yaml')) as typeof Yaml;

export const { Document, LineCounter, parseDocument, isMap, isSeq, isScalar } = yaml;
export type Document = Yaml.Document;
export type YAMLMap = Yaml.YAMLMap;
export type YAMLSeq = Yaml.YAMLSeq;
export type Scalar = Yaml.Scalar;
