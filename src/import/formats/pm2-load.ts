import { spawn } from 'node:child_process';
import path from 'node:path';
import { SpecError } from '../../errors.js';
import { signalOwnGroup } from '../../process/signal.js';
import type { SourceFile } from '../source.js';

/** How long the user's ecosystem file may take to load before it is given up on. */
export const PM2_LOAD_TIMEOUT_MS = 10_000;

const MARKER = '\u0000tmuxctl-ecosystem\u0000';

/**
 * Runs in the child: loads the file as pm2 does (require; import() for an ES module), then prints
 * the marker and the exported value as JSON. Anything the user's program prints comes before the
 * marker. Only the error's class and first message line go back: a code frame could show a secret.
 */
const LOADER = `
const file = process.argv[1];
const done = (value) => { process.stdout.write(${JSON.stringify(MARKER)} + JSON.stringify(value)); process.exit(0); };
const fail = (e) => {
  const stack = String((e && e.stack) || '');
  const out = { error: ((e && e.name) || 'Error') + ': ' + String((e && e.message) || e).split('\\n')[0] };
  for (const m of stack.matchAll(/(\\/[^\\s():]+):(\\d+)(?::(\\d+))?/g)) {
    if (m[1] === file) { out.line = Number(m[2]); if (m[3]) out.col = Number(m[3]); break; }
  }
  process.stdout.write(${JSON.stringify(MARKER)} + JSON.stringify(out));
  process.exit(0);
};
(async () => {
  let value;
  try { value = require(file); }
  catch (e) {
    if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) value = await import(require('node:url').pathToFileURL(file).href);
    else throw e;
  }
  // An ES module (by import(), or by require() where Node allows it) gives its namespace: pm2 takes its default export.
  if (Object.prototype.toString.call(value) === '[object Module]') {
    // An empty namespace: a file that assigns module.exports, read as an ES module ("type": "module").
    if (Object.keys(value).length === 0) return done({ empty: true });
    value = value.default !== undefined ? value.default : Object.assign({}, value);
  }
  done({ config: value === undefined ? null : value });
})().catch(fail);
`;

/**
 * pm2's `ecosystem.config.js` is the user's own program: it is run as pm2 runs it, in a child
 * `node` (never in tmuxctl's process), in the file's folder, with the caller's environment (it may
 * read process.env), for at most PM2_LOAD_TIMEOUT_MS. The child leads a process group of its own,
 * so a program that hangs is stopped with whatever it started.
 */
export async function loadEcosystemJs(
  file: SourceFile,
  opts: { nodePath: string; env: Record<string, string | undefined>; timeoutMs?: number },
): Promise<unknown> {
  const timeoutMs = opts.timeoutMs ?? PM2_LOAD_TIMEOUT_MS;
  const run = await runLoader(file, opts.nodePath, opts.env, timeoutMs);
  if (run.kind === 'timeout') {
    throw problem(
      file,
      `loading it took longer than ${timeoutMs / 1000} s and was stopped (pm2 would hang on it too): fix the program, or write the config as ecosystem.config.json`,
    );
  }
  if (run.kind === 'spawn-error') throw problem(file, `cannot run node (${opts.nodePath}) to load it: ${run.code}`);
  const at = run.stdout.lastIndexOf(MARKER);
  if (at < 0) throw problem(file, `loading it with node ended without a result (exit ${run.exit}): does it call process.exit?`);
  const payload = JSON.parse(run.stdout.slice(at + MARKER.length)) as { config?: unknown; empty?: boolean; error?: string; line?: number; col?: number };
  if (payload.empty) {
    throw problem(
      file,
      'it exports nothing: its package.json says "type": "module", so module.exports is not read (pm2 cannot read it either); rename it ecosystem.config.cjs, or write export default',
    );
  }
  if (payload.error !== undefined)
    throw new SpecError([{ file: file.display, line: payload.line, col: payload.col, message: `loading it as pm2 does failed: ${payload.error}` }]);
  return payload.config;
}

type LoaderRun = { kind: 'done'; stdout: string; exit: number | null } | { kind: 'timeout' } | { kind: 'spawn-error'; code: string };

function runLoader(file: SourceFile, nodePath: string, env: Record<string, string | undefined>, timeoutMs: number): Promise<LoaderRun> {
  return new Promise((resolve) => {
    // stderr is not kept: the user's program may print anything there, secrets included.
    const child = spawn(nodePath, ['-e', LOADER, file.path], {
      cwd: path.dirname(file.path),
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    const out: Buffer[] = [];
    let settled = false;
    const settle = (result: LoaderRun) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => {
      if (child.pid !== undefined) signalOwnGroup(child.pid, 'SIGKILL');
      settle({ kind: 'timeout' });
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.on('error', (e: NodeJS.ErrnoException) => settle({ kind: 'spawn-error', code: e.code ?? e.message }));
    child.on('close', (exit) => settle({ kind: 'done', stdout: Buffer.concat(out).toString(), exit }));
  });
}

function problem(file: SourceFile, message: string): SpecError {
  return new SpecError([{ file: file.display, message }]);
}
