/**
 * Notifications: what a person is told, and through what. The channels are resolved at load time
 * (spec/notify.ts) with their secrets in hand; those values are never logged, never put in argv and
 * never part of an error message (notify/redact.ts).
 */

/** The events a channel may be sent, as the spec names them. */
export const NOTIFY_EVENTS = ['start-failed', 'crash-loop', 'unhealthy', 'gave-up', 'recovered', 'orphan-stopped'] as const;
export type NotifyEventName = (typeof NOTIFY_EVENTS)[number];

/** What `on` is when a channel does not say: the bad news, not the good. */
export const DEFAULT_NOTIFY_ON: readonly NotifyEventName[] = ['start-failed', 'crash-loop', 'unhealthy', 'gave-up'];
export const DEFAULT_COOLDOWN_SECONDS = 300;

export type NotifyTransport =
  | { kind: 'telegram'; apiBase: string; botToken: string; chatId: string }
  | { kind: 'webhook'; url: string; headers: Record<string, string> }
  | { kind: 'command'; argv: string[] };

/** One configured channel, resolved. */
export interface NotifyChannel {
  /**
   * How reports and events name it, with no secret in it: `telegram (specs/ops.yaml notify[0])`.
   * Also its identity: two sessions of one file share the file's channels.
   */
  label: string;
  on: readonly NotifyEventName[];
  cooldownSeconds: number;
  transport: NotifyTransport;
  /** Every value read from the environment or an env file for it: scrubbed from anything told. */
  secrets: readonly string[];
}

/** One message about one target: what `command`, `webhook` and `telegram` all carry. */
export interface Notification {
  event: NotifyEventName | 'test';
  /** `session` or `session:window.N`. */
  target: string;
  host: string;
  /** Epoch milliseconds of the event. */
  at: number;
  reason: string;
  /** Restarts of the pane after deaths, when known. */
  restarts?: number;
  /** Earlier events for this target folded into this message (within the cooldown): `... and 4 more crashes`. */
  folded?: string;
  /** The pane's last output lines, control sequences removed; filled in by the outbox when it sends. */
  lines?: string[];
}
