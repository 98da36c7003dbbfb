/** The host name that means this machine: the default of every session, and never declared under `hosts`. */
export const LOCAL_HOST = 'local';

/**
 * What a host name may be (the schema says the same, and test/spec/hosts.test.ts checks that it
 * does): no '/' because targets are written `gpu1/agent-a`, no ':' because that splits a session
 * from its window, no spaces because people type it after `--host`.
 */
export const HOST_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** How messages state the rule. */
export const HOST_NAME_RULE =
  "use 1 to 64 letters, digits, '.', '_' or '-' ('/' and ':' are never allowed: targets are written host/session:window), and not \"local\" (this machine)";

/** Where tmuxctl keeps its state on a remote host when `stateDir` is not given: `~` is the remote user's home. */
export const DEFAULT_REMOTE_STATE_DIR = '~/.local/state/tmuxctl';

export function isHostName(name: string): boolean {
  return HOST_NAME.test(name) && name !== LOCAL_HOST;
}

/** How messages name a host: this machine by what it is, a remote by its name. */
export function describeHost(host: string): string {
  return host === LOCAL_HOST ? `this machine (host "${LOCAL_HOST}")` : `host ${JSON.stringify(host)}`;
}
