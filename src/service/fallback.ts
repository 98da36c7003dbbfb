import { crontabCommand, shWord } from './quote.js';
import { type ServiceSpec, tmuxctlArgv, watchArgs } from './spec.js';

/**
 * What to do where there is no systemd user manager: run watch in the background now (nohup) and at
 * every boot (`@reboot` in the user's crontab). No cgroup kills anything there, and the tmux server
 * watch starts daemonises (its own session, reparented away from watch), so stopping watch never
 * stops it.
 */
export function renderFallback(spec: ServiceSpec): string {
  const watch = tmuxctlArgv(spec, watchArgs(spec)).map(shWord).join(' ');
  // cron starts jobs with a minimal environment: the same PATH and TMUX_TMPDIR as the unit would set.
  const env = spec.environment.length > 0 ? `env ${spec.environment.map(([k, v]) => shWord(`${k}=${v}`)).join(' ')} ` : '';
  return [
    "# Start watch now, in the background (its events go to the state dir's events.log):",
    `nohup ${watch} >/dev/null 2>&1 &`,
    '# Start it at every boot: add this line to your crontab (crontab -e):',
    `@reboot ${crontabCommand(`${env}${watch}`)} >/dev/null 2>&1`,
    '',
  ].join('\n');
}
