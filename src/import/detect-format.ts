import { SpecError } from '../errors.js';
import { formatByContent, formatByName } from './detect.js';
import type { Format } from './draft.js';
import { hasErb } from './erb.js';
import { parseSource } from './parse-source.js';
import type { SourceFile } from './source.js';

/**
 * The format of one file: `--from` when given, else its name (Procfile*, *.js, process-compose*.yaml),
 * else what it holds. A file that is none of them is an error that names the choices.
 */
export function detectFormat(file: SourceFile, text: string, from: Format | undefined): Format {
  if (from) return from;
  const byName = formatByName(file.path);
  if (byName) return byName;
  const erb = hasErb(text);
  const parsed = parseSource(text, file, { erb });
  const byContent = formatByContent(parsed.data, erb);
  if (byContent) return byContent;
  throw new SpecError([
    {
      file: file.display,
      message:
        'cannot tell which tool this file is for (tmuxinator: name + windows, tmuxp: session_name, smug: session + windows, process-compose: processes, pm2: apps, Procfile: a file named Procfile*): pass --from',
    },
  ]);
}
