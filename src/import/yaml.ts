import type * as Yaml from 'yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, YamlDocument } from '../spec/yaml.js';

/**
 * The yaml package for `import`, which both reads other tools' files and writes the spec (with
 * comments, through the Document API): the one copy src/spec/yaml.ts loads.
 */
export { isMap, isScalar, isSeq, LineCounter, parseDocument };
export const Document = YamlDocument;
export type Document = Yaml.Document;
export type YAMLMap = Yaml.YAMLMap;
export type YAMLSeq = Yaml.YAMLSeq;
export type Scalar = Yaml.Scalar;
