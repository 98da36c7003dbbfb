#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SpecError, TmuxctlError } from '../errors.js';
import { VERSION } from '../version.js';
import type { Context } from './context.js';
import type { Io } from './io.js';
import type { GlobalOptions } from './options.js';

/**
 * A closed output pipe (`tmuxctl watch | head -2`) makes the next write fail with EPIPE, emitted as
 * an 'error' on the stream, which with no listener ends the process: supervision would stop because
 * nobody reads its chatter. Each stream's first error is told to the listeners (watch notes it in
 * the event log); later writes to it are dropped.
 */
const lostStreams = new Set<'stdout' | 'stderr'>();
const lostListeners: ((stream: 'stdout' | 'stderr', reason: string) => void)[] = [];
for (const name of ['stdout', 'stderr'] as const) {
  process[name].on('error', (e: NodeJS.ErrnoException) => {
    if (lostStreams.has(name)) return;
    lostStreams.add(name);
    for (const l of lostListeners) l(name, e.code ?? e.message);
  });
}
const write = (name: 'stdout' | 'stderr', text: string) => {
  if (!lostStreams.has(name)) process[name].write(text);
};

/** The only module that touches `process`: streams, environment, exit code. */
const io: Io = {
  out: (t) => write('stdout', t),
  err: (t) => write('stderr', t),
  color: !process.env.NO_COLOR && process.stdout.isTTY === true,
  tty: process.stdout.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
  onOutputLost: (listener) => lostListeners.push(listener),
};

const collect = (value: string, previous: string[] = []) => [...previous, value];
/** A number of seconds or lines: anything else (0 where it would spin, NaN) is a usage error. */
const number = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`must be a number of at least ${min}`);
  return n;
};
const fileOption = () =>
  new Option(
    '-f, --file <path>',
    'spec file or folder of *.yaml/*.yml (repeatable; default: $TMUXCTL_SPECS, else ~/.config/tmuxctl/specs if it exists, else ./specs)',
  ).argParser(collect);
const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');
const hostOption = () =>
  new Option('--host <name>', 'only this host of the specs (repeatable; `local` is this machine; default: every host)').argParser(collect);
const lockOption = () => new Option('--lock-timeout <seconds>', 'how long to wait for another reconcile of the same server').argParser(number(0)).default(60);

const program = new Command('tmuxctl')
  .description('Keep tmux sessions in the state that YAML specs declare.')
  .version(VERSION)
  .option('-L, --socket-name <name>', 'tmux server socket name, as tmux -L')
  .option('-S, --socket-path <path>', 'tmux server socket path, as tmux -S')
  .option('--state-dir <dir>', 'state directory (default: $TMUXCTL_STATE_DIR, $XDG_STATE_HOME/tmuxctl, ~/.local/state/tmuxctl)')
  .option('--log-level <level>', 'console log level: error, warn, info, debug', 'info')
  .option('--no-color', 'no colour (also off under NO_COLOR or when not a terminal)')
  // One line and a pointer, as kubectl does; 20-35 lines of help buried the error.
  .showHelpAfterError('(add --help for usage)')
  .exitOverride()
  .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });

/** Builds the context lazily, so `--help` and `schema` load nothing they do not use. */
async function context(): Promise<Context> {
  const global = program.opts<GlobalOptions>();
  if (global.color === false) io.color = false;
  const { makeContext } = await import('./context.js');
  return makeContext(io, global);
}

program
  .command('validate')
  .description('check specs; exit 0 when valid, 2 when not')
  .addOption(fileOption())
  .action(async (o) => done((await import('./commands/validate.js')).validateCommand(await context(), o)));

program
  .command('schema')
  .description('print the JSON Schema of the spec language')
  .action(async () => done((await import('./commands/schema.js')).schemaCommand(io)));

program
  .command('apply')
  .description('create, restart and remove sessions until tmux matches the specs')
  .addOption(fileOption())
  .option('--dry-run', 'print the plan, change nothing')
  .option('--take-over', "make declared sessions recorded as declared in other spec files these specs' own")
  .option('--force', "apply changes at once, whatever each pane's update strategy (when-detached, on-exit) says")
  .addOption(outputOption())
  .addOption(lockOption())
  .addOption(new Option('--wait-timeout <seconds>', 'how long to wait for dependsOn conditions before giving up (exit 3)').argParser(number(0)).default(60))
  .addOption(hostOption())
  .action(async (o) => done((await import('./commands/apply.js')).applyCommand(await context(), o)));

program
  .command('diff')
  .alias('plan')
  .description('print what apply would do; exit 0 in sync, 1 when changes are pending')
  .addOption(fileOption())
  .addOption(outputOption())
  .addOption(hostOption())
  .action(async (o) => done((await import('./commands/diff.js')).diffCommand(await context(), o)));

program
  .command('status')
  .description('show declared and managed sessions')
  .argument('[names...]', 'only these sessions')
  .addOption(fileOption())
  .addOption(outputOption())
  .option('--all', "also list the server's sessions tmuxctl does not manage (one row each, state unmanaged)")
  .option('--watch', 'redraw every 2 s until interrupted')
  .addOption(hostOption())
  .action(async (names: string[], o) => done((await import('./commands/status.js')).statusCommand(await context(), names, o)));

program
  .command('delete')
  .description('stop and remove the managed sessions the specs declare, or the named ones')
  .argument('[names...]', 'session names')
  .addOption(fileOption())
  .addOption(lockOption())
  .addOption(hostOption())
  .action(async (names: string[], o) => done((await import('./commands/delete.js')).deleteCommand(await context(), names, o)));

for (const [verb, what] of [
  ['restart', 'stop and start again now, whatever the policy (counted as a restart; pending changes applied)'],
  ['stop', 'stop and keep stopped: apply and watch leave it until `tmuxctl start`'],
  ['start', 'start what `tmuxctl stop` stopped, or what exited, now'],
] as const) {
  program
    .command(verb)
    .description(`${what}; only what tmuxctl owns`)
    .argument('<targets...>', "session, session:window or session:window.N; the session may be a glob ('claude_*'); host/ first for one host's")
    .addOption(outputOption())
    .addOption(lockOption())
    .addOption(fileOption())
    .addOption(hostOption())
    .action(async (targets: string[], o) => done((await import('./commands/operate.js')).operateCommand(await context(), verb, targets, o)));
}

program
  .command('watch')
  .description('apply, then keep applying: on spec and env file changes, crashes, failed health checks')
  .addOption(fileOption())
  .addOption(new Option('--resync <seconds>', 'full re-check at least this often, whatever happened').argParser(number(0.1)).default(30))
  .addOption(lockOption())
  .addOption(hostOption())
  .action(async (o) => {
    // watch ends the process itself when it is done: a pass abandoned at SIGTERM may still hold
    // timers and children, and the promise is to be gone within a second.
    exitPromptly = true;
    await done((await import('./commands/watch.js')).watchCommand(await context(), o));
  });

program
  .command('notify')
  .description('notifications: `notify test` sends a test message through every configured channel')
  .command('test')
  .description('send a test message through every notify channel of the specs and report each result; exit 3 if one failed')
  .addOption(fileOption())
  .action(async (o) => done((await import('./commands/notify.js')).notifyTestCommand(await context(), o)));

program
  .command('adopt')
  .description('take ownership of live sessions the specs declare, without restarting anything, when they match')
  .argument('<names...>', 'session names')
  .addOption(fileOption())
  .addOption(lockOption())
  .action(async (names: string[], o) => done((await import('./commands/adopt.js')).adoptCommand(await context(), names, o)));

program
  .command('logs')
  .description("print panes' kept output (also after they died or were restarted); no target: every pane's")
  .argument('[targets...]', "session, session:window or session:window.N, host/ first for one host's (default: every pane log of every host)")
  .addOption(new Option('-n, --lines <count>', 'how many lines from the end of each log (default: 100, or all with --since)').argParser(number(0)))
  .option('--since <age>', 'only runs started this long ago or later: 90s, 10m, 2h, 1d')
  .option('-f, --follow', 'keep printing new output until interrupted, and follow pane logs that appear meanwhile')
  .option('--raw', 'keep terminal control sequences (colours, cursor movement) as written')
  // No -f: it is --follow here, as in tail and docker logs.
  .addOption(new Option('--file <path>', 'spec file or folder that declares the hosts (repeatable; default as for apply)').argParser(collect))
  .addOption(hostOption())
  .action(async (names: string[], o) => done((await import('./commands/logs.js')).logsCommand(await context(), names, o)));

program
  .command('freeze')
  .description('print a spec of live sessions (default: every session tmuxctl does not manage)')
  .argument('[sessions...]', 'only these sessions')
  .option('-o, --output <file>', 'write the spec to this file instead of stdout')
  .option('--force', 'replace the -o file if it exists')
  .action(async (names: string[], o) => done((await import('./commands/freeze.js')).freezeCommand(await context(), names, o)));

program
  .command('import')
  .description('print a spec equivalent to tmuxinator, tmuxp, smug, process-compose, Procfile or pm2 files')
  .argument('<files...>', 'files to import (one session each)')
  .addOption(
    new Option('--from <format>', 'the format of every file (default: told by name and content)').choices([
      'tmuxinator',
      'tmuxp',
      'smug',
      'process-compose',
      'procfile',
      'pm2',
    ]),
  )
  // process.execPath: pm2's ecosystem.config.js is loaded by the same node, in a child process.
  .action(async (files: string[], o) => done((await import('./commands/import.js')).importCommand(io, files, { from: o.from, nodePath: process.execPath })));

const service = program.command('service').description('run watch as a systemd user service that survives reboots and never stops your sessions');
const nameOption = () => new Option('--name <name>', 'unit name (default: tmuxctl, i.e. tmuxctl.service)');
const serviceCommand = async () => import('./commands/service.js');
service
  .command('install')
  .description('write, enable and start a user unit running watch over these specs; without systemd, print a nohup/@reboot alternative (exit 3)')
  .addOption(fileOption())
  .addOption(nameOption())
  .option('--print', 'print the unit, install nothing')
  // The node and the CLI file of this run are what the unit runs.
  .action(async (o) =>
    done((await serviceCommand()).serviceInstallCommand(await context(), o, { nodePath: process.execPath, cliPath: fileURLToPath(import.meta.url) })),
  );
service
  .command('uninstall')
  .description('stop and disable the unit (sessions keep running) and remove its file')
  .addOption(nameOption())
  .action(async (o) => done((await serviceCommand()).serviceUninstallCommand(await context(), o)));
service
  .command('status')
  .description('the unit file and its state; exit 0 when active, 3 when not')
  .addOption(nameOption())
  .action(async (o) => done((await serviceCommand()).serviceStatusCommand(await context(), o)));
service
  .command('start-server')
  .description('start the tmux server if none runs, kept alive with no session (the unit runs this in a scope of its own)')
  .action(async () => done((await serviceCommand()).serviceStartServerCommand(await context())));

let exitCode = 0;
let exitPromptly = false;
async function done(code: number | Promise<number>): Promise<void> {
  exitCode = await code;
}

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are successes; every other parse failure is a usage error.
      exitCode = e.exitCode === 0 ? 0 : 2;
    } else if (e instanceof SpecError) {
      io.err(`${e.message}\n`); // already one `file:line:col: message` per line
      exitCode = e.exitCode;
    } else if (e instanceof TmuxctlError) {
      io.err(`tmuxctl: ${e.message}\n`);
      exitCode = e.exitCode;
    } else {
      io.err(`tmuxctl: internal error (a bug, please report it):\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      exitCode = 3;
    }
  }
  process.exitCode = exitCode;
  // stdout and stderr are synchronous for files and pipes on Linux: nothing written is lost.
  if (exitPromptly) process.exit(exitCode);
}

void main();
