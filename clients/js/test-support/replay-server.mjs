// A real node:http server on 127.0.0.1 for the client tests: records every request and lets each test
// answer with recorded or hand-written AgentStream streams, error bodies, stalls and broken sockets.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

export const fixture = (name) => readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url));

export const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Frames as the function writes them: `data: <json>\n\n`. */
export const frames = (...objects) => objects.map((o) => `data: ${JSON.stringify(o)}\n\n`).join('');

export const SESSION = 'a6f1c1d0-4b4e-4d59-9a53-1f0f6a1c2b3d';
export const METADATA = { type: 'metadata', request_id: 'req-1', session_id: SESSION, agent: 'default' };

/**
 * Starts a server whose `handler(req, res, recorded)` answers every request except
 * `POST /api/streaming/cancel`, which answers 202 like the function unless `cancelStatus` says otherwise.
 */
export async function startServer(handler, { cancelStatus = 202 } = {}) {
  const requests = [];
  const waiters = [];
  const sockets = new Set();
  const notify = () => {
    for (const w of [...waiters]) {
      if (w.predicate()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const server = createServer((req, res) => {
    const parts = [];
    req.on('data', (d) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      const recorded = {
        method: req.method,
        path: req.url,
        headers: req.headers,
        body,
        json: (() => { try { return JSON.parse(body); } catch { return undefined; } })(),
        closedEarly: false,
      };
      // 'close' before the answer finished = the client went away mid-answer.
      res.on('close', () => {
        recorded.closedEarly = !res.writableFinished;
        notify();
      });
      requests.push(recorded);
      notify();
      if (req.method === 'POST' && req.url === '/api/streaming/cancel') {
        const answer = cancelStatus === 202
          ? { status: 'stopping', session_id: recorded.json && recorded.json.session_id }
          : { error: 'not_implemented', message: 'this agent cannot be stopped' };
        res.writeHead(cancelStatus, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
        return;
      }
      Promise.resolve(handler(req, res, recorded)).catch((error) => {
        res.destroy(error);
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Requests other than cancels. */
    streams: () => requests.filter((r) => r.path !== '/api/streaming/cancel'),
    cancels: () => requests.filter((r) => r.path === '/api/streaming/cancel'),
    /** Resolves when `predicate()` holds (checked on every request and every closed answer). */
    until(predicate, timeoutMs = 5000) {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out waiting for the server')), timeoutMs);
        waiters.push({ predicate, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Answers 200 text/event-stream and writes `parts` (strings or Buffers) with `gapMs` between them. */
export async function writeStream(res, parts, { gapMs = 0, end = true, headers = {} } = {}) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers });
  res.flushHeaders();
  for (let i = 0; i < parts.length; i += 1) {
    if (i > 0 && gapMs > 0) await delay(gapMs);
    if (res.destroyed) return;
    res.write(parts[i]);
  }
  if (end) res.end();
}

/** Answers `status` with a JSON body. */
export function writeJSON(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A fetch that records the byte size of every read the client makes of each response body. */
export function observingFetch() {
  const reads = [];
  const wrapped = async (url, init) => {
    const response = await fetch(url, init);
    if (!response.body) return response;
    const sizes = [];
    reads.push(sizes);
    const body = response.body.pipeThrough(new TransformStream({
      transform(chunk, controller) {
        sizes.push(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return { fetch: wrapped, reads };
}

/** The reference reading of a recorded LF-only stream: one JSON frame per `data: ` block. */
export function referenceFrames(buffer) {
  return buffer.toString('utf8').split('\n\n').filter((b) => b.startsWith('data: ')).map((b) => JSON.parse(b.slice(6)));
}
