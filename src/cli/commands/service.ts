import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { SpecError, TmuxctlError, errorText } from '../../errors.js';
import { renderFallback } from '../../service/fallback.js';
import { type ServiceSpec, serviceSpec, unitEnvironment, unitName } from '../../service/spec.js';
import { failureLine, type Systemctl, systemctlRunner, userManager } from '../../service/systemctl.js';
import { nameFlag, renderUnit } from '../../service/unit.js';
import { otherUnitDirs, unitFile } from '../../service/unit-dir.js';
import { readUnitFile, removeUnitFile, shadowedUnit, writeUnitFile } from '../../service/unit-file.js';
import { holdServer } from '../../tmux/hold-server.js';
import { lookupOnPath } from '../../tmux/tools.js';
import { socketPath } from '../../state/paths.js';
import { loadOrFail, specPaths, type Context } from '../context.js';
import type { Io } from '../io.js';

/** The node and CLI file of this very run (main.ts knows them): what the unit will run. */
export interface Self {
  nodePath: string;
  cliPath: string;
}

export interface InstallOptions {
  file?: string[];
  name?: string;
  print?: boolean;
}

/** Where systemd-run is not on PATH, --print still shows a unit, with the usual path. */
const SYSTEMD_RUN_DEFAULT = '/usr/bin/systemd-run';

/**
 * `tmuxctl service install [-f PATH]... [--name NAME] [--print]`: writes, enables and (re)starts a
 * systemd user unit running watch over those specs. The specs are validated first: a unit that
 * would fail at every start is never installed (exit 2, nothing written). Without a user manager,
 * nothing is written either: the nohup / @reboot alternative goes to stdout, the reason to stderr,
 * exit 3 (the service asked for does not exist, and a script must not believe it does).
 */
export async function serviceInstallCommand(ctx: Context, opts: InstallOptions, self: Self): Promise<number> {
  const io = ctx.io;
  const systemdRun = lookupOnPath('systemd-run', io.env.PATH);
  const spec = serviceSpec({
    name: opts.name,
    specPaths: specPaths(io, opts.file),
    socketName: ctx.global.socketName,
    socketPath: ctx.global.socketPath,
    stateDir: ctx.stateDir,
    env: io.env,
    cwd: io.cwd,
    nodePath: self.nodePath,
    cliPath: self.cliPath,
    systemdRun: systemdRun.kind === 'found' ? systemdRun.path : SYSTEMD_RUN_DEFAULT,
  });
  const desired = await loadForUnit(io, spec);
  const unit = renderUnit(spec);
  if (opts.print) {
    io.out(unit);
    return 0;
  }

  const systemctl = systemctlRunner(io.env);
  const manager = await userManager(systemctl);
  if (!manager.ok) {
    io.err(`tmuxctl: no systemd user manager here (${manager.why}): nothing installed; to run watch without systemd:\n`);
    io.out(renderFallback(spec));
    return 3;
  }
  if (systemdRun.kind !== 'found')
    throw new TmuxctlError(
      'systemd-run not found on PATH: it starts the tmux server outside the unit (Debian/Ubuntu: apt-get install -y systemd); nothing installed',
      3,
    );

  const file = unitFile(io.env, spec.name);
  if (readUnitFile(file).kind === 'foreign')
    throw new TmuxctlError(`${file} exists and was not written by tmuxctl: not replaced (remove it yourself, or choose another --name)`, 3);
  const shadowed = shadowedUnit(otherUnitDirs(io.env), `${spec.name}.service`);
  if (shadowed !== undefined)
    throw new TmuxctlError(`${shadowed} exists and was not written by tmuxctl: ${file} would override it; not installed (choose another --name)`, 3);
  try {
    writeUnitFile(file, unit);
  } catch (e) {
    throw new TmuxctlError(`cannot write ${file}: ${errorText(e)}; nothing installed`, 3);
  }
  const service = `${spec.name}.service`;
  // restart, not start: a reinstall must take the new unit; restarting watch never stops a session.
  for (const args of [['daemon-reload'], ['enable', service], ['restart', service]]) {
    const r = await systemctl(args);
    if (r.code !== 0) throw new TmuxctlError(`${failureLine(args, r)} (${file} is written; \`tmuxctl service uninstall${nameFlag(spec)}\` removes it)`, 3);
  }
  const count = desired.sessions.length;
  io.out(`installed ${file}\n`);
  io.out(`enabled and started ${service}: watch over ${spec.specPaths.join(', ')} (${count} session${count === 1 ? '' : 's'}) on ${serverLabel(ctx)}\n`);
  io.out(lingerHint(io.env));
  return 0;
}

/**
 * The specs as watch will load them inside the unit: with the unit's environment, not this shell's
 * (a token exported here is not there). Invalid so: exit 2, nothing written, and why.
 */
async function loadForUnit(io: Io, spec: ServiceSpec) {
  try {
    return await loadOrFail({ ...io, env: unitEnvironment(spec, io.env) }, spec.specPaths, 'inspect');
  } catch (e) {
    if (e instanceof SpecError)
      io.err(
        `tmuxctl: the service's watch would refuse these specs: it runs without this shell's environment (only ${spec.environment.map(([k]) => k).join(' and ') || "the user manager's own variables"} carried), so a variable named below belongs in the spec file's envFile; nothing installed\n`,
      );
    throw e;
  }
}

/**
 * `tmuxctl service uninstall [--name NAME]`: stops and disables the unit (watch only: the tmux server
 * and its sessions keep running), removes its file. Only a file tmuxctl wrote is removed (exit 3
 * otherwise); nothing installed is exit 0.
 */
export async function serviceUninstallCommand(ctx: Context, opts: { name?: string }): Promise<number> {
  const io = ctx.io;
  const name = unitName(opts.name);
  const file = unitFile(io.env, name);
  const state = readUnitFile(file);
  if (state.kind === 'absent') {
    io.out(`${name}.service is not installed (no ${file})\n`);
    return 0;
  }
  if (state.kind === 'foreign') throw new TmuxctlError(`${file} was not written by tmuxctl: not removed`, 3);
  const systemctl = systemctlRunner(io.env);
  const manager = await userManager(systemctl);
  const service = `${name}.service`;
  if (manager.ok) {
    const args = ['disable', '--now', service];
    const r = await systemctl(args);
    if (r.code !== 0) throw new TmuxctlError(`${failureLine(args, r)}: ${file} kept`, 3);
  }
  removeUnitFile(file);
  if (manager.ok) await systemctl(['daemon-reload']);
  io.out(
    manager.ok
      ? `stopped and disabled ${service} (its tmux sessions keep running); removed ${file}\n`
      : `removed ${file} (no systemd user manager to stop it: ${manager.why})\n`,
  );
  return 0;
}

const SHOWN = ['LoadState', 'ActiveState', 'SubState', 'MainPID', 'UnitFileState', 'NRestarts', 'ActiveEnterTimestamp'] as const;

/**
 * `tmuxctl service status [--name NAME]`: the unit file and what systemd says of it. Exit 0 when
 * the service is active, 3 when it is not (not installed, stopped, failed, no user manager).
 */
export async function serviceStatusCommand(ctx: Context, opts: { name?: string }, systemctl: Systemctl = systemctlRunner(ctx.io.env)): Promise<number> {
  const io = ctx.io;
  const name = unitName(opts.name);
  const file = unitFile(io.env, name);
  const state = readUnitFile(file);
  const written = { absent: 'not installed', ours: 'written by tmuxctl', foreign: 'not written by tmuxctl' }[state.kind];
  io.out(`unit:     ${file} (${written})\n`);
  const manager = await userManager(systemctl);
  if (!manager.ok) {
    io.out(`systemd:  not available (${manager.why})\n`);
    return 3;
  }
  const args = ['show', `${name}.service`, ...SHOWN.map((p) => `--property=${p}`)];
  const r = await systemctl(args);
  if (r.code !== 0) throw new TmuxctlError(failureLine(args, r), 3);
  const props = new Map<string, string>();
  for (const l of r.stdout.split('\n')) {
    const eq = l.indexOf('=');
    if (eq > 0) props.set(l.slice(0, eq), l.slice(eq + 1));
  }
  const active = props.get('ActiveState') ?? 'unknown';
  const pid = Number(props.get('MainPID') ?? 0);
  const since = props.get('ActiveEnterTimestamp');
  io.out(`state:    ${active} (${props.get('SubState') ?? '?'})${pid > 0 ? `, pid ${pid}` : ''}${active === 'active' && since ? `, since ${since}` : ''}\n`);
  io.out(`enabled:  ${props.get('UnitFileState') || 'no'}\n`);
  if (props.has('NRestarts')) io.out(`restarts: ${props.get('NRestarts')}\n`);
  return active === 'active' ? 0 : 3;
}

/**
 * `tmuxctl service start-server`: what the unit runs before watch, in a scope of its own. Starts the
 * tmux server when none runs, kept alive with no session (exit-empty off); leaves a running one alone.
 */
export async function serviceStartServerCommand(ctx: Context): Promise<number> {
  const held = await holdServer(ctx.tmux);
  ctx.io.out(
    held.started
      ? `started the tmux server (pid ${held.pid}) on ${serverLabel(ctx)}, kept running with no session (exit-empty off)\n`
      : `the tmux server (pid ${held.pid}) on ${serverLabel(ctx)} already runs: left as it is\n`,
  );
  return 0;
}

function serverLabel(ctx: Context): string {
  return socketPath(ctx.server, ctx.io.env);
}

/** How to keep a user service running while logged out, unless lingering is on already. */
function lingerHint(env: Record<string, string | undefined>): string {
  const user = env.USER || env.LOGNAME || userInfo().username;
  if (existsSync(`/var/lib/systemd/linger/${user}`)) return `lingering is on for ${user}: it keeps running while you are logged out and starts at boot\n`;
  return `to keep it running while you are logged out, and start it at boot before you log in: loginctl enable-linger ${user}\n`;
}
