import { environmentLine, escapeSpecifiers, execWord } from './quote.js';
import { type ServiceSpec, tmuxctlArgv, watchArgs } from './spec.js';

/** The first line of every unit tmuxctl writes: uninstall and a later install touch only files that carry it. */
export const UNIT_MARKER = '# Written by tmuxctl service install';

/**
 * The systemd user unit that runs `tmuxctl watch`. Two guards keep the tmux server (and so every
 * session, the user's own included) alive when the unit stops or restarts:
 *
 * 1. ExecStartPre starts the server before watch can, in a transient scope of its own
 *    (`systemd-run --user --scope`), held there with `exit-empty off` (`tmuxctl service
 *    start-server`): tmux daemonises, but a daemon stays in the cgroup it was started in, and a
 *    unit's stop kills its whole cgroup. A server that already runs is left where it is.
 * 2. KillMode=process: a stop signals watch alone. Should the server die while the unit runs (a
 *    `tmux kill-server`), the next pass of watch starts a new one, which then lives in the unit's
 *    cgroup; this keeps it alive through the next stop or restart too. watch ends its own children
 *    (tmux clients, health checks) at SIGTERM, so nothing else is left behind.
 */
export function renderUnit(spec: ServiceSpec): string {
  const line = (argv: readonly string[]) => argv.map(execWord).join(' ');
  const hold = [
    spec.systemdRun,
    '--user',
    '--scope',
    '--quiet',
    '--collect',
    `--description=tmux server started for ${spec.name}.service`,
    ...tmuxctlArgv(spec, ['service', 'start-server']),
  ];
  return [
    `${UNIT_MARKER}: \`tmuxctl service uninstall${nameFlag(spec)}\` removes it, the next install replaces it.`,
    '[Unit]',
    `Description=${escapeSpecifiers(`tmuxctl watch (${spec.name})`)}`,
    '',
    '[Service]',
    'Type=simple',
    ...spec.environment.map(([k, v]) => environmentLine(k, v)),
    '# The tmux server runs in a scope of its own, outside this unit: stopping or restarting the unit',
    '# never stops it or its sessions. A server that already runs is left as it is.',
    `ExecStartPre=${line(hold)}`,
    `ExecStart=${line(tmuxctlArgv(spec, watchArgs(spec)))}`,
    '# Only watch gets the stop signal: a server watch had to start again lives in this cgroup.',
    'KillMode=process',
    'TimeoutStopSec=10',
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

export function nameFlag(spec: Pick<ServiceSpec, 'name'>): string {
  return spec.name === 'tmuxctl' ? '' : ` --name ${spec.name}`;
}
