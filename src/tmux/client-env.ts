/**
 * The environment of every tmux client tmuxctl runs. It matters because the client that starts the
 * tmux server hands its whole environment to the server, which makes it the global environment of
 * every session on that server (`show-environment -g`, every pane's /proc/PID/environ), and because
 * `new-session` copies the client's `update-environment` variables into each new session. Passing
 * tmuxctl's own environment leaked whatever the shell that ran `apply` held (tokens included) into
 * every session, and made what a session gets depend on who happened to start the server.
 *
 * So the client gets only what a login gives any process of this user, nothing of the caller's
 * shell session: identity and shell (HOME, USER, LOGNAME, SHELL: tmux's default-shell and `~`),
 * PATH (commands are found on it), locale and time (LANG, LANGUAGE, LC_*, TZ: without a UTF-8
 * locale tmux replaces non-ASCII output with `_`), TERM, the user's folders (TMPDIR, TMUX_TMPDIR,
 * where the socket lives; XDG_RUNTIME_DIR for user services; the XDG base dirs, tmux 3.2+ reads its
 * config from XDG_CONFIG_HOME). A session's own variables are passed explicitly (env, envFile,
 * requiredEnv), never through here. TMUX and TMUX_PANE are never passed: the client must not follow
 * $TMUX to the server tmuxctl happens to run inside; -L/-S or the default socket decide.
 */
const KEEP = new Set([
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'PATH',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'TMPDIR',
  'TMUX_TMPDIR',
  'XDG_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_STATE_HOME',
  'XDG_CACHE_HOME',
  'XDG_CONFIG_DIRS',
  'XDG_DATA_DIRS',
]);

export function clientEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (KEEP.has(k) || k.startsWith('LC_')) out[k] = v;
  }
  return out;
}
