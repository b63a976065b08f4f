// The baseline EdgeChat is measured against: the smallest honest Durable Object chat room. It accepts
// hibernating WebSockets on /ws/conversations/{room} (subprotocol chat.v1, like EdgeChat, so the same
// client drives both), stores each message in the object's own SQLite storage, then acknowledges it to
// the sender and broadcasts it to everyone else. No auth, no idempotency, no replay, no D1.
import { DurableObject } from 'cloudflare:workers';

export class Room extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, client_msg_id TEXT, text TEXT, created_at INTEGER)');
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  async fetch(request) {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].send(JSON.stringify({ type: 'hello' }));
    return new Response(null, { status: 101, webSocket: pair[0], headers: { 'sec-websocket-protocol': 'chat.v1' } });
  }

  async webSocketMessage(ws, data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      ws.send('{"type":"error","code":"malformed_frame"}');
      return;
    }
    if (frame.type !== 'send') return;
    const now = Date.now();
    const row = this.ctx.storage.sql
      .exec('INSERT INTO messages (client_msg_id, text, created_at) VALUES (?, ?, ?) RETURNING seq', frame.client_msg_id, frame.text, now)
      .one();
    const event = { seq: row.seq, type: 'message', client_msg_id: frame.client_msg_id, text: frame.text, created_at: now };
    ws.send(JSON.stringify({ type: 'ack', client_msg_id: frame.client_msg_id, seq: row.seq, event }));
    const text = JSON.stringify({ type: 'event', event });
    for (const peer of this.ctx.getWebSockets()) if (peer !== ws) peer.send(text);
  }
}

export default {
  async fetch(request, env) {
    const m = new URL(request.url).pathname.match(/^\/ws\/conversations\/([\w-]{1,64})$/);
    if (m && request.headers.get('upgrade') === 'websocket') return env.ROOM.get(env.ROOM.idFromName(m[1])).fetch(request);
    if (new URL(request.url).pathname === '/api/health') return Response.json({ ok: true });
    return new Response('not found', { status: 404 });
  },
};
