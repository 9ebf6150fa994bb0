// streamAgent against a real node:http server on 127.0.0.1: parsing, errors, retries, abort + cancel, auth.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { streamAgent, listAgents, cancelSession, AgentStreamError } from '../agentstream.js';
import {
  startServer, writeStream, writeJSON, frames, fixture, referenceFrames, delay, METADATA, SESSION,
} from '../test-support/replay-server.mjs';

const COMPLETE = { type: 'complete', execution_time_ms: 42 };
const FAST = { retryDelayMs: 5, retryMaxDelayMs: 20 };

async function serve(t, handler, options) {
  const server = await startServer(handler, options);
  t.after(() => server.close());
  return server;
}

/** Runs streamAgent and returns {error} (an AgentStreamError) or fails the test if it resolved. */
async function failure(options) {
  const seen = [];
  try {
    const result = await streamAgent({ ...options, onError: (e) => seen.push(e) });
    assert.fail(`expected a failure, got ${JSON.stringify(result)}`);
  } catch (error) {
    if (error instanceof assert.AssertionError) throw error;
    assert.ok(error instanceof AgentStreamError, `not an AgentStreamError: ${error}`);
    assert.deepEqual(seen, [error], 'onError gets the same error the promise rejects with');
    return error;
  }
}

test('the recorded demo stream: callbacks in order, text built from the chunks', async (t) => {
  const recorded = fixture('turn1.sse');
  const server = await serve(t, (req, res) => writeStream(res, [recorded]));
  const events = [];
  const result = await streamAgent({
    url: server.url,
    request: { prompt: 'Flight EY123 delayed 2 hours due to weather' },
    onMetadata: (m) => events.push(['metadata', m.sessionId]),
    onChunk: (data) => events.push(['chunk', data]),
    onComplete: (r) => events.push(['complete', r.executionTimeMs]),
  });
  const reference = referenceFrames(recorded);
  const chunks = reference.filter((f) => f.type === 'chunk').map((f) => f.data);
  assert.equal(result.sessionId, reference[0].session_id);
  assert.equal(result.requestId, reference[0].request_id);
  assert.equal(result.agent, 'default');
  assert.deepEqual(result.chunks, chunks);
  assert.equal(result.text, chunks.join(''));
  assert.equal(result.executionTimeMs, reference.at(-1).execution_time_ms);
  assert.deepEqual(events, [
    ['metadata', reference[0].session_id],
    ...chunks.map((c) => ['chunk', c]),
    ['complete', reference.at(-1).execution_time_ms],
  ]);
  const [sent] = server.streams();
  assert.equal(sent.method, 'POST');
  assert.equal(sent.path, '/');
  assert.equal(sent.headers.accept, 'text/event-stream');
  assert.equal(sent.headers['content-type'], 'application/json');
  assert.deepEqual(sent.json, { prompt: 'Flight EY123 delayed 2 hours due to weather' });
  assert.equal(sent.headers.authorization, undefined);
});

test("seed 000's chat request goes to /api/streaming/stream with its body unchanged", async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA, { type: 'chunk', data: 'hi' }, COMPLETE)]));
  const request = {
    agentName: 'weather', threadId: SESSION, messages: [{ role: 'user', content: 'Weather in Paris?' }], temperature: 0.3, maxRetries: 1,
  };
  const result = await streamAgent({ url: `${server.url}/`, request });
  assert.equal(result.text, 'hi');
  const [sent] = server.streams();
  assert.equal(sent.path, '/api/streaming/stream');
  assert.equal(sent.headers.accept, 'text/event-stream');
  assert.deepEqual(sent.json, request);
});

test('CR-only line ends, comments, multi-line data and a last event without its blank line', async (t) => {
  const multiLine = 'data: {"type":"chunk",\ndata: "data":"two"}\n\n';
  const body = [
    ': keep-alive\r',
    '\r',
    frames(METADATA).replace(/\n/g, '\r'),
    multiLine,
    'event: message\nid: 7\ndata: {"type":"chunk","data":{"tool":"x"}}\n\n',
    'data: {"type":"complete","execution_time_ms":9}', // no blank line: the server closed right after
  ];
  const server = await serve(t, (req, res) => writeStream(res, body, { gapMs: 5 }));
  const comments = [];
  const result = await streamAgent({ url: server.url, request: { prompt: 'p' }, onComment: (c) => comments.push(c) });
  assert.deepEqual(result.chunks, ['two', { tool: 'x' }]);
  assert.equal(result.text, 'two');
  assert.equal(result.executionTimeMs, 9);
  assert.deepEqual(comments, ['keep-alive']);
});

test('a multi-line data event is joined with newlines before JSON parsing', async (t) => {
  const body = frames(METADATA) + 'data: {"type":"chunk",\ndata: "data":\ndata: "line one\\nline two"}\n\n' + frames(COMPLETE);
  const server = await serve(t, (req, res) => writeStream(res, [body]));
  const result = await streamAgent({ url: server.url, request: { prompt: 'p' } });
  assert.deepEqual(result.chunks, ['line one\nline two']);
});

test('heartbeat comments between frames are skipped', async (t) => {
  const body = [frames(METADATA), ': keep-alive\n\n', ': keep-alive\n\n', frames({ type: 'chunk', data: 'a' }), ': keep-alive\n\n', frames(COMPLETE)];
  const server = await serve(t, (req, res) => writeStream(res, body, { gapMs: 3 }));
  const comments = [];
  const result = await streamAgent({ url: server.url, request: { prompt: 'p' }, onComment: (c) => comments.push(c) });
  assert.equal(result.text, 'a');
  assert.equal(comments.length, 3);
});

test('a comment-only heartbeat stream that ends is a protocol error, not a success', async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [': keep-alive\n\n', ': keep-alive\n\n', ': keep-alive\n\n'], { gapMs: 3 }));
  const comments = [];
  const error = await failure({ url: server.url, request: { prompt: 'p' }, onComment: (c) => comments.push(c) });
  assert.equal(error.kind, 'protocol');
  assert.equal(error.code, 'truncated');
  assert.equal(comments.length, 3);
});

test('a stream cut before complete is a protocol error; the chunks before it were delivered', async (t) => {
  const recorded = fixture('turn1.sse');
  const cut = recorded.subarray(0, recorded.lastIndexOf('data: {"type":"complete"'));
  const server = await serve(t, (req, res) => writeStream(res, [cut]));
  const chunks = [];
  let completed = false;
  const error = await failure({
    url: server.url, request: { prompt: 'p' }, onChunk: (c) => chunks.push(c), onComplete: () => { completed = true; },
  });
  assert.equal(error.kind, 'protocol');
  assert.equal(error.code, 'truncated');
  assert.match(error.message, /without a complete or error frame/);
  assert.equal(completed, false);
  assert.equal(chunks.length, referenceFrames(recorded).filter((f) => f.type === 'chunk').length);
});

test('an error frame rejects with kind stream, its code, message and retryable', async (t) => {
  const error = { type: 'error', error_code: 'UpstreamTimeout', error_message: 'the agent sent nothing for 300 s', retryable: true };
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA, { type: 'chunk', data: 'partial' }, error)]));
  const chunks = [];
  const e = await failure({ url: server.url, request: { prompt: 'p' }, onChunk: (c) => chunks.push(c) });
  assert.equal(e.kind, 'stream');
  assert.equal(e.code, 'UpstreamTimeout');
  assert.equal(e.message, 'the agent sent nothing for 300 s');
  assert.equal(e.retryable, true);
  assert.equal(e.status, 0);
  assert.deepEqual(chunks, ['partial']);
});

test('status frames reach onStatus; unknown frame types reach onFrame', async (t) => {
  const body = frames(
    METADATA,
    { type: 'status', phase: 'connecting', elapsed_ms: 3 },
    { type: 'status', phase: 'waiting', elapsed_ms: 15003 },
    { type: 'usage', tokens: 12 },
    { type: 'status', phase: 'streaming', elapsed_ms: 15020 },
    { type: 'chunk', data: 'x' },
    { note: 'no type at all' },
    COMPLETE,
  );
  const server = await serve(t, (req, res) => writeStream(res, [body]));
  const statuses = [];
  const unknown = [];
  const result = await streamAgent({
    url: server.url, request: { prompt: 'p' },
    onStatus: (s) => statuses.push([s.phase, s.elapsedMs]),
    onFrame: (f) => unknown.push(f),
  });
  assert.equal(result.text, 'x');
  assert.deepEqual(statuses, [['connecting', 3], ['waiting', 15003], ['streaming', 15020]]);
  assert.deepEqual(unknown, [{ type: 'usage', tokens: 12 }, { note: 'no type at all' }]);
});

test('a frame that is not JSON is a protocol error', async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA) + 'data: [DONE]\n\n' + frames(COMPLETE)]));
  const e = await failure({ url: server.url, request: { prompt: 'p' } });
  assert.equal(e.kind, 'protocol');
  assert.equal(e.code, 'bad_frame');
});

test('a 200 that is not an event stream is a protocol error', async (t) => {
  const server = await serve(t, (req, res) => writeJSON(res, 200, { ok: true }));
  const e = await failure({ url: server.url, request: { prompt: 'p' } });
  assert.equal(e.kind, 'protocol');
  assert.equal(e.code, 'not_event_stream');
});

const httpCases = [
  {
    status: 400,
    body: { error: 'validation', message: 'prompt must be a non-empty string; session_id must be 33-100 characters', fields: ['prompt', 'session_id'] },
    expect: { code: 'validation', retryable: false, fields: ['prompt', 'session_id'] },
  },
  { status: 401, body: { error: 'unauthorized', message: 'token expired' }, expect: { code: 'unauthorized', retryable: false, fields: [] } },
  { status: 413, body: { error: 'payload_too_large', message: 'request body is over 1 MB' }, expect: { code: 'payload_too_large', retryable: false, fields: [] } },
  {
    status: 502,
    body: { error: 'upstream', code: 'UpstreamRejected', message: 'the agent rejected the request', retryable: false, upstream_status: 400 },
    expect: { code: 'UpstreamRejected', retryable: false, fields: [] },
  },
  {
    status: 504,
    body: { error: 'upstream', code: 'UpstreamTimeout', message: 'no answer within 30 s', retryable: true },
    expect: { code: 'UpstreamTimeout', retryable: true, fields: [] },
  },
];

for (const c of httpCases) {
  test(`HTTP ${c.status} with AgentStream's JSON body is a typed http error, sent once`, async (t) => {
    const server = await serve(t, (req, res) => writeJSON(res, c.status, c.body));
    const e = await failure({ url: server.url, request: { prompt: 'p' }, retries: 3, ...FAST });
    assert.equal(e.kind, 'http');
    assert.equal(e.status, c.status);
    assert.equal(e.code, c.expect.code);
    assert.equal(e.message, c.body.message);
    assert.equal(e.retryable, c.expect.retryable);
    assert.deepEqual(e.fields, c.expect.fields);
    assert.deepEqual(e.body, c.body);
    assert.equal(server.streams().length, 1, 'only 429, 503 and network failures are retried');
  });
}

test("lambda-local's runtime error body and a non-JSON body still give a useful http error", async (t) => {
  let n = 0;
  const server = await serve(t, (req, res) => {
    n += 1;
    if (n === 1) return writeJSON(res, 502, { errorType: 'Function.ResponseWriterError', errorMessage: 'a response was already started' });
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('Internal Server Error');
  });
  const first = await failure({ url: server.url, request: { prompt: 'p' } });
  assert.equal(first.code, 'Function.ResponseWriterError');
  assert.equal(first.message, 'a response was already started');
  const second = await failure({ url: server.url, request: { prompt: 'p' } });
  assert.equal(second.status, 500);
  assert.equal(second.code, 'http_500');
  assert.equal(second.message, 'HTTP 500: Internal Server Error');
  assert.equal(second.body, null);
});

test('a 503 then success: one retry, a fresh token for it, and the stream succeeds', async (t) => {
  const server = await serve(t, (req, res) => {
    if (server.streams().length === 1) {
      return writeJSON(res, 503, { error: 'upstream', code: 'Throttling', message: 'Rate exceeded', retryable: true, upstream_status: 429 });
    }
    return writeStream(res, [frames(METADATA, { type: 'chunk', data: 'ok' }, COMPLETE)]);
  });
  let tokens = 0;
  const result = await streamAgent({ url: server.url, request: { prompt: 'p' }, getToken: async () => `token-${++tokens}`, ...FAST });
  assert.equal(result.text, 'ok');
  assert.deepEqual(server.streams().map((r) => r.headers.authorization), ['Bearer token-1', 'Bearer token-2']);
});

test('a 429 is retried up to the caller-set maximum, then reported', async (t) => {
  const server = await serve(t, (req, res) => writeJSON(res, 429, { error: 'throttled', message: 'slow down' }));
  const e = await failure({ url: server.url, request: { prompt: 'p' }, retries: 2, ...FAST });
  assert.equal(e.status, 429);
  assert.equal(e.retryable, true);
  assert.equal(server.streams().length, 3);
});

test('retries: 0 sends exactly once', async (t) => {
  const server = await serve(t, (req, res) => writeJSON(res, 503, { error: 'upstream', code: 'ServiceUnavailable', message: 'x', retryable: true }));
  await failure({ url: server.url, request: { prompt: 'p' }, retries: 0 });
  assert.equal(server.streams().length, 1);
});

test('nothing is retried after the first byte: a connection lost mid-stream is reported', async (t) => {
  const server = await serve(t, async (req, res) => {
    await writeStream(res, [frames(METADATA, { type: 'chunk', data: 'half' })], { end: false });
    await delay(20);
    res.socket.destroy();
  });
  const e = await failure({ url: server.url, request: { prompt: 'p' }, retries: 3, ...FAST });
  assert.equal(e.kind, 'network');
  assert.equal(e.code, 'connection_lost');
  assert.equal(server.streams().length, 1);
});

test('a network failure (connection reset before any answer) is retried, then a network error', async (t) => {
  const server = await serve(t, (req, res) => res.socket.destroy());
  const e = await failure({ url: server.url, request: { prompt: 'p' }, retries: 2, ...FAST });
  assert.equal(e.kind, 'network');
  assert.equal(e.code, 'network');
  assert.equal(e.retryable, true);
  assert.equal(server.streams().length, 3);
});

test('a closed port is a network error', async () => {
  // Bind and release a port so that nothing listens on it.
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  const e = await failure({ url: `http://127.0.0.1:${port}`, request: { prompt: 'p' }, retries: 1, ...FAST });
  assert.equal(e.kind, 'network');
  assert.match(e.message, /could not reach the function/);
});

test('a token getter that throws: a typed error, no request sent, no retry', async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA, COMPLETE)]));
  let calls = 0;
  const e = await failure({
    url: server.url, request: { prompt: 'p' }, retries: 3, ...FAST,
    getToken: async () => { calls += 1; throw new Error('Clerk: no active session'); },
  });
  assert.equal(e.kind, 'network');
  assert.equal(e.code, 'token_unavailable');
  assert.equal(e.retryable, false);
  assert.match(e.message, /Clerk: no active session/);
  assert.equal(e.cause.message, 'Clerk: no active session');
  assert.equal(calls, 1);
  assert.equal(server.requests.length, 0);
});

test('a fixed bearer token is sent as Authorization', async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA, COMPLETE)]));
  await streamAgent({ url: server.url, request: { prompt: 'p' }, token: 'abc.def.ghi' });
  assert.equal(server.streams()[0].headers.authorization, 'Bearer abc.def.ghi');
});

test('abort before the first byte: aborted error, and the cancel route stops the session the request named', async (t) => {
  const server = await serve(t, () => { /* never answers */ });
  const controller = new AbortController();
  const pending = failure({
    url: server.url, request: { prompt: 'p', session_id: SESSION, agent: 'default' }, signal: controller.signal, token: 'tok',
  });
  await server.until(() => server.streams().length === 1);
  controller.abort();
  const e = await pending;
  assert.equal(e.kind, 'aborted');
  assert.equal(e.retryable, false);
  assert.deepEqual(await e.cancellation, { ok: true, status: 202, body: { status: 'stopping', session_id: SESSION } });
  const [cancel] = server.cancels();
  assert.equal(cancel.method, 'POST');
  assert.deepEqual(cancel.json, { session_id: SESSION, agent: 'default' });
  assert.equal(cancel.headers.authorization, 'Bearer tok');
  await server.until(() => server.streams()[0].closedEarly);
});

test('abort before the first byte without a session id sends no cancel (there is nothing to name)', async (t) => {
  const server = await serve(t, () => {});
  const controller = new AbortController();
  const pending = failure({ url: server.url, request: { prompt: 'p' }, signal: controller.signal });
  await server.until(() => server.streams().length === 1);
  controller.abort();
  const e = await pending;
  assert.equal(e.kind, 'aborted');
  assert.equal(e.cancellation, null);
  await delay(50);
  assert.equal(server.cancels().length, 0);
});

test('abort during the retry back-off ends at once', async (t) => {
  const server = await serve(t, (req, res) => writeJSON(res, 503, { error: 'upstream', code: 'x', message: 'x', retryable: true }));
  const controller = new AbortController();
  const pending = failure({ url: server.url, request: { prompt: 'p' }, signal: controller.signal, retries: 5, retryDelayMs: 60000, retryMaxDelayMs: 60000 });
  await server.until(() => server.streams().length === 1);
  await delay(20);
  controller.abort();
  const e = await pending;
  assert.equal(e.kind, 'aborted');
  assert.equal(server.streams().length, 1);
});

test('an already-aborted signal sends nothing', async (t) => {
  const server = await serve(t, () => {});
  const e = await failure({ url: server.url, request: { prompt: 'p' }, signal: AbortSignal.abort() });
  assert.equal(e.kind, 'aborted');
  assert.equal(server.requests.length, 0);
});

test('abort mid-stream: the connection closes and the cancel route gets the session from metadata', async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [
    frames(METADATA, { type: 'status', phase: 'streaming', elapsed_ms: 5 }, { type: 'chunk', data: 'first ' }),
  ], { end: false }));
  const controller = new AbortController();
  const chunks = [];
  const e = await failure({
    url: server.url, request: { prompt: 'p' }, signal: controller.signal, getToken: () => 'jwt-1',
    onChunk: (c) => { chunks.push(c); controller.abort(); },
  });
  assert.equal(e.kind, 'aborted');
  assert.deepEqual(chunks, ['first ']);
  const answer = await e.cancellation;
  assert.equal(answer.status, 202);
  await server.until(() => server.cancels().length === 1 && server.streams()[0].closedEarly);
  const [cancel] = server.cancels();
  assert.deepEqual(cancel.json, { session_id: SESSION, agent: 'default' });
  assert.equal(cancel.headers.authorization, 'Bearer jwt-1');
});

test("a cancel the function refuses (501 for a Mastra agent) is reported in the abort's cancellation", async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA)], { end: false }), { cancelStatus: 501 });
  const controller = new AbortController();
  const e = await failure({ url: server.url, request: { prompt: 'p' }, signal: controller.signal, onMetadata: () => controller.abort() });
  const answer = await e.cancellation;
  assert.equal(answer.ok, false);
  assert.equal(answer.status, 501);
});

test('cancelOnAbort: false leaves the session alone', async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA)], { end: false }));
  const controller = new AbortController();
  const e = await failure({ url: server.url, request: { prompt: 'p' }, signal: controller.signal, cancelOnAbort: false, onMetadata: () => controller.abort() });
  assert.equal(e.kind, 'aborted');
  assert.equal(e.cancellation, null);
  await delay(50);
  assert.equal(server.cancels().length, 0);
});

test('a callback that throws ends the stream with its own error (not onError)', async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA, { type: 'chunk', data: 'x' }, COMPLETE)]));
  const boom = new Error('render failed');
  let onErrorCalls = 0;
  await assert.rejects(
    streamAgent({ url: server.url, request: { prompt: 'p' }, onChunk: () => { throw boom; }, onError: () => { onErrorCalls += 1; } }),
    (e) => e === boom,
  );
  assert.equal(onErrorCalls, 0);
});

test('cancelSession and listAgents', async (t) => {
  const server = await serve(t, (req, res) => {
    if (req.url === '/api/streaming/agents') {
      if (req.headers.authorization !== 'Bearer good') return writeJSON(res, 401, { error: 'unauthorized', message: 'missing bearer token' });
      return writeJSON(res, 200, { data: ['default', 'weather'], message: 'Available agents retrieved successfully' });
    }
    return writeJSON(res, 404, { error: 'not_found', message: 'no route' });
  });
  assert.deepEqual(await listAgents({ url: server.url, token: 'good' }), ['default', 'weather']);
  await assert.rejects(listAgents({ url: server.url }), (e) => e.kind === 'http' && e.status === 401 && e.code === 'unauthorized');
  const answer = await cancelSession({ url: server.url, sessionId: SESSION });
  assert.deepEqual(answer, { ok: true, status: 202, body: { status: 'stopping', session_id: SESSION } });
  assert.deepEqual(server.cancels()[0].json, { session_id: SESSION });
});

test('a huge non-JSON error body is cut, not buffered whole, and still reported', async (t) => {
  const server = await serve(t, (req, res) => {
    res.writeHead(500, { 'content-type': 'text/html' });
    res.end('<html>' + 'x'.repeat(4 * 1024 * 1024));
  });
  const e = await failure({ url: server.url, request: { prompt: 'p' } });
  assert.equal(e.status, 500);
  assert.equal(e.code, 'http_500');
  assert.ok(e.message.startsWith('HTTP 500: <html>xxx') && e.message.length < 300);
});

test('programming errors are thrown as TypeErrors', async () => {
  await assert.rejects(streamAgent({ url: 'http://127.0.0.1:1', request: { prompt: 'p' }, retries: -1 }), TypeError);
  await assert.rejects(streamAgent({ url: 'http://127.0.0.1:1', request: { prompt: 'p' }, retries: 'many' }), TypeError);
  await assert.rejects(streamAgent({ request: { prompt: 'p' } }), TypeError);
  await assert.rejects(streamAgent({ url: 'http://127.0.0.1:1' }), TypeError);
  await assert.rejects(cancelSession({ url: 'http://127.0.0.1:1' }), TypeError);
});
