/**
 * The first line of every spec tmuxctl writes: editors with yaml-language-server check the file
 * against the schema as it is edited. The schema's own `$id` (schema/tmuxctl.schema.json), since
 * an imported spec lands wherever the user keeps it and the relative path the bundled examples use
 * (`../schema/tmuxctl.schema.json`) would point nowhere there.
 */
export const SCHEMA_URL = 'https://tmuxctl.dev/schema/tmuxctl.schema.json';
export const SCHEMA_LINE = `# yaml-language-server: $schema=${SCHEMA_URL}`;
