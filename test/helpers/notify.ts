import type { NotifyChannel } from '../../src/notify/types.js';

/** A command channel for every bad state, as `notify: [{command: [true]}]` in app.yaml would make it. */
export const COMMAND_CHANNEL: NotifyChannel = {
  label: 'command (app.yaml notify[0])',
  on: ['start-failed', 'crash-loop', 'unhealthy', 'gave-up'],
  cooldownSeconds: 300,
  transport: { kind: 'command', argv: ['true'] },
  secrets: [],
};
