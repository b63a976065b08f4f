// The one socket client of the console. It owns connecting (token in the subprotocol), keep-alive,
// reconnecting with jittered exponential backoff, and resuming: every (re)connect asks for what came
// after the last position the caller holds (`after_seq` for a conversation, `cursor` for the inbox
// feed), so nothing is missed and nothing is shown twice after a drop.
import { signal } from '@preact/signals';
import { currentToken, refresh } from './api';

export type Frame = { type: string; [k: string]: any };
/** `starting`: the first connection is under way (nothing to report yet); `connecting`: a reconnect. */
export type Link = 'starting' | 'connecting' | 'open' | 'offline';

/** Whether the link is worth telling the operator about (lost, or coming back after a loss). */
export const linkTrouble = (link: Link): boolean => link === 'connecting' || link === 'offline';

const PING_MS = 25_000;

export class LiveSocket {
  readonly link = signal<Link>('starting');
  private ws: WebSocket | null = null;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;

  /** `path` gives the URL path and query for the next connection (so it carries the latest position). */
  constructor(private path: () => string, private onFrame: (f: Frame) => void, private onOpen: () => void = () => undefined) {}

  start(): this {
    this.stopped = false;
    this.connect();
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.ping);
    this.ws?.close(1000);
    this.ws = null;
  }

  /** Sends a frame if the socket is open; false otherwise (the caller keeps it for after the reconnect). */
  send(frame: Frame): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private connect(): void {
    const token = currentToken();
    if (!token || this.stopped) return;
    if (this.link.value !== 'starting') this.link.value = 'connecting';
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}${this.path()}`, ['chat.v1', `bearer.${token}`]);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.link.value = 'open';
      clearInterval(this.ping);
      this.ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), PING_MS);
      this.onOpen();
    };
    ws.onmessage = (e) => {
      if (typeof e.data !== 'string') return;
      let frame: Frame;
      try {
        frame = JSON.parse(e.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === 'string' && frame.type !== 'pong') this.onFrame(frame);
    };
    ws.onclose = async (e) => {
      if (this.ws !== ws) return;
      clearInterval(this.ping);
      this.ws = null;
      if (this.stopped) return;
      this.link.value = 'offline';
      // Refused upgrades (expired token) and revoked sessions (4001) need a fresh token first.
      if (!opened || e.code === 4001) {
        const s = await refresh();
        if (!s) return;
      }
      const delay = Math.min(15_000, 400 * 2 ** this.attempt++) * (0.6 + Math.random() * 0.8);
      this.timer = setTimeout(() => this.connect(), opened ? Math.min(delay, 300) : delay);
    };
  }
}
