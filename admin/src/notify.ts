// Not missing a chat: the unread count in the tab title and as a badge on the favicon, a short chime
// for a new queued or newly assigned chat, and a desktop notification when the page is not in view.
// Browsers only let a page play sound after a user gesture: the audio context is created (or resumed)
// on the first click or key press, and if a chime was due before that, the console says so and offers
// a button, instead of staying silent as peers' consoles do.
import { signal } from '@preact/signals';

const SOUND_KEY = 'ec:sound';
export const soundOn = signal(localStorage.getItem(SOUND_KEY) !== 'off');
/** True while the browser has refused to play (no gesture yet) and a chime was due. */
export const soundBlocked = signal(false);
/** Chimes that actually started (observable for tests and shown nowhere else). */
export const chimes = signal(0);
export const notifyPermission = signal<NotificationPermission | 'unsupported'>(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);

let audio: AudioContext | null = null;

export function setSound(on: boolean): void {
  soundOn.value = on;
  localStorage.setItem(SOUND_KEY, on ? 'on' : 'off');
  if (on) unlockAudio();
}

/** Creates/resumes the audio context; called from user gestures. */
export function unlockAudio(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume().then(() => (soundBlocked.value = audio?.state !== 'running'));
    else soundBlocked.value = false;
  } catch {
    /* no audio on this device */
  }
}

for (const type of ['pointerdown', 'keydown']) addEventListener(type, unlockAudio, { capture: true, passive: true });

export function chime(): void {
  if (!soundOn.value) return;
  try {
    audio ??= new AudioContext();
  } catch {
    return;
  }
  const ctx = audio;
  const play = () => {
    const t = ctx.currentTime;
    for (const [i, freq] of [880, 1318.5].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t + i * 0.14);
      gain.gain.exponentialRampToValueAtTime(0.25, t + i * 0.14 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.14 + 0.35);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t + i * 0.14);
      osc.stop(t + i * 0.14 + 0.4);
    }
    chimes.value++;
    soundBlocked.value = false;
  };
  if (ctx.state === 'running') play();
  else {
    void ctx.resume().then(() => (ctx.state === 'running' ? play() : (soundBlocked.value = true)), () => (soundBlocked.value = true));
    // resume() never settles on some browsers without a gesture: report it as blocked meanwhile.
    setTimeout(() => {
      if (ctx.state !== 'running') soundBlocked.value = true;
    }, 500);
  }
}

export async function askNotifications(): Promise<void> {
  if (typeof Notification === 'undefined') return;
  notifyPermission.value = await Notification.requestPermission();
}

export function desktopNotify(title: string, body: string, onClick: () => void): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  try {
    const n = new Notification(title, { body, tag: title + body, icon: faviconHref(0) });
    n.onclick = () => {
      focus();
      onClick();
      n.close();
    };
  } catch {
    /* some platforms only allow notifications from a service worker */
  }
}

function faviconHref(count: number): string {
  const c = document.createElement('canvas');
  c.width = c.height = 64;
  const g = c.getContext('2d');
  if (!g) return '';
  g.fillStyle = '#2563eb';
  g.beginPath();
  g.roundRect(4, 8, 52, 40, 12);
  g.fill();
  g.beginPath();
  g.moveTo(16, 44);
  g.lineTo(12, 58);
  g.lineTo(30, 46);
  g.fill();
  if (count > 0) {
    g.fillStyle = '#dc2626';
    g.beginPath();
    g.arc(46, 18, 18, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#fff';
    g.font = 'bold 24px system-ui, sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(count > 99 ? '99' : String(count), 46, 19);
  }
  return c.toDataURL('image/png');
}

let lastBadge = -1;
/** Title "(3) Inbox · EdgeChat" and the favicon badge. */
export function setBadge(count: number, title: string): void {
  document.title = count > 0 ? `(${count}) ${title}` : title;
  if (count === lastBadge) return;
  lastBadge = count;
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.append(link);
  }
  link.href = faviconHref(count);
  link.dataset.count = String(count);
}
