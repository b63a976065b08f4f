// Scenario 2, many rooms: 1,000 conversations with 2 sockets each (the visitor and an operator), every
// socket sending one message every 10–60 s (uniformly random) for a fixed time; delivery latency at
// the other socket, errors, and workerd's resident memory.
// Scenario 3, connect storm: 500 sockets opening within 5 s on those conversations, each resuming
// from seq 0 (the whole history is replayed): time to `hello` and to the end of the replay.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { client, signup } from '../tests/helpers/api.mjs';
import { makeKey, newConversation, newVisitor, quietBot, SITE_ORIGIN, widgetClient } from '../tests/helpers/chat.mjs';
import { clientCpu, openRaw as open, pool, rssMiB, summary } from './lib.mjs';

const ID = /"client_msg_id":"([^"]+)"/;

export async function prepareRooms(baseUrl, count) {
  const api = client(baseUrl);
  const owner = await signup(api, { company: 'Many Rooms Bench' });
  await quietBot(api, owner);
  const w = widgetClient(baseUrl, (await makeKey(api, owner)).key);
  const rooms = await pool(Array.from({ length: count }), 16, async () => {
    const v = await newVisitor(w);
    const c = await newConversation(w, v, { message: { client_msg_id: randomUUID(), text: 'hello' } });
    return { id: c.id, visitorToken: v.token };
  });
  return { owner, rooms };
}

export async function manyRooms(baseUrl, workerPid, { rooms, owner }, seconds, log = () => undefined) {
  const ws = baseUrl.replace(/^http/, 'ws');
  const rssBefore = rssMiB(workerPid);
  const t0 = performance.now();
  const sockets = [];
  let failures = 0;
  await pool(rooms, 50, async (room) => {
    try {
      const v = await open(`${ws}/ws/conversations/${room.id}`, ['chat.v1', `bearer.${room.visitorToken}`], SITE_ORIGIN);
      const o = await open(`${ws}/ws/conversations/${room.id}`, ['chat.v1', `bearer.${owner.token}`]);
      sockets.push([v, o], [o, v]);
    } catch {
      failures++;
    }
  });
  const connectSeconds = (performance.now() - t0) / 1000;
  log(`    ${sockets.length} sockets open in ${connectSeconds.toFixed(1)} s (${failures} failed); workerd RSS ${rssMiB(workerPid)} MiB`);
  const sentAt = new Map();
  const latencies = [];
  let errors = failures;
  let sent = 0;
  let closed = 0;
  for (const [self, peer] of sockets) {
    peer.on('message', (data) => {
      const text = data.toString();
      if (!text.includes('"type":"event"')) return;
      const id = ID.exec(text)?.[1];
      const t = sentAt.get(id);
      if (t !== undefined) {
        latencies.push(performance.now() - t);
        sentAt.delete(id);
      }
    });
    self.on('message', (data) => {
      if (data.toString().includes('"type":"error"')) errors++;
    });
    self.on('close', () => closed++);
  }
  const cpu = clientCpu();
  const end = performance.now() + seconds * 1000;
  const timers = [];
  let rssMax = 0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMiB(workerPid))), 2000);
  for (const [self] of sockets) {
    const schedule = () => {
      const wait = 10_000 + Math.random() * 50_000;
      if (performance.now() + wait > end) return;
      timers.push(setTimeout(() => {
        const id = randomUUID();
        sentAt.set(id, performance.now());
        sent++;
        self.send(`{"type":"send","client_msg_id":"${id}","text":"tick"}`);
        schedule();
      }, wait));
    };
    schedule();
  }
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const grace = performance.now() + 10_000;
  while (sentAt.size && performance.now() < grace) await new Promise((r) => setTimeout(r, 20));
  clearInterval(sampler);
  for (const t of timers) clearTimeout(t);
  const client_cpu_pct = cpu();
  const rssEnd = rssMiB(workerPid);
  for (const [self] of sockets) self.terminate();
  return {
    conversations: rooms.length, sockets: sockets.length, seconds, sent, delivered: latencies.length,
    undelivered: sentAt.size, errors: errors + closed, unexpected_closes: closed,
    ...summary(latencies), rss_before_mib: rssBefore, rss_max_mib: Math.max(rssMax, rssEnd), client_cpu_pct,
  };
}

export async function connectStorm(baseUrl, { rooms }, count = 500, windowMs = 5000) {
  const ws = baseUrl.replace(/^http/, 'ws');
  const chosen = rooms.slice(0, count);
  const helloMs = [];
  const replayMs = [];
  let failures = 0;
  const sockets = [];
  const cpu = clientCpu();
  await Promise.all(chosen.map((room, i) => new Promise((resolve) => {
    setTimeout(() => {
      const t0 = performance.now();
      const s = new WebSocket(`${ws}/ws/conversations/${room.id}?after_seq=0`, ['chat.v1', `bearer.${room.visitorToken}`], { origin: SITE_ORIGIN });
      sockets.push(s);
      let last = null;
      const fail = () => {
        failures++;
        resolve();
      };
      s.once('error', fail);
      s.once('unexpected-response', fail);
      s.on('message', (data) => {
        const f = JSON.parse(data.toString());
        if (f.type === 'hello') {
          helloMs.push(performance.now() - t0);
          last = f.last_seq;
          if (!last) {
            replayMs.push(performance.now() - t0);
            resolve();
          }
        } else if (f.type === 'event' && f.event.seq === last) {
          replayMs.push(performance.now() - t0);
          resolve();
        }
      });
    }, (i * windowMs) / count);
  })));
  const client_cpu_pct = cpu();
  for (const s of sockets) s.terminate();
  return { sockets: count, window_s: windowMs / 1000, failures, hello: summary(helloMs), replay_done: summary(replayMs), client_cpu_pct };
}
