// Seed 001's `invokeStreaming(request, onChunk, onComplete, onError)` on top of streamAgent.
import test from 'node:test';
import assert from 'node:assert/strict';
import { invokeStreaming, createClient, AgentStreamError } from '../agentstream.js';
import { startServer, writeStream, writeJSON, frames, fixture, referenceFrames, METADATA, SESSION } from '../test-support/replay-server.mjs';

async function serve(t, handler) {
  const server = await startServer(handler);
  t.after(() => server.close());
  return server;
}

/** Calls invokeStreaming and collects what its three callbacks saw; checks it resolved (never rejects). */
async function invoke(run) {
  const seen = { chunks: [], complete: [], errors: [] };
  const returned = await run(
    (c) => seen.chunks.push(c),
    (r) => seen.complete.push(r),
    (e) => seen.errors.push(e),
  );
  assert.equal(returned, undefined);
  return seen;
}

test('a recorded stream: onChunk per chunk, then one InvokeResponse shaped like seed 001', async (t) => {
  const recorded = fixture('turn1.sse');
  const server = await serve(t, (req, res) => writeStream(res, [recorded]));
  const request = { prompt: 'Flight EY123 delayed 2 hours due to weather' };
  const seen = await invoke((onChunk, onComplete, onError) => invokeStreaming(request, onChunk, onComplete, onError, { url: server.url }));
  const reference = referenceFrames(recorded);
  const chunks = reference.filter((f) => f.type === 'chunk').map((f) => f.data);
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.chunks, chunks);
  assert.equal(seen.complete.length, 1);
  const [response] = seen.complete;
  assert.deepEqual(Object.keys(response).sort(), ['assessment', 'chunks', 'execution_time_ms', 'request_id', 'session_id', 'status', 'timestamp']);
  assert.equal(response.status, 'success');
  assert.equal(response.request_id, reference[0].request_id);
  assert.equal(response.session_id, reference[0].session_id);
  assert.equal(response.execution_time_ms, reference.at(-1).execution_time_ms);
  assert.ok(Math.abs(Date.parse(response.timestamp) - Date.now()) < 60000, 'timestamp is an ISO date of now');
  assert.equal(response.assessment, undefined, 'text chunks carry no assessment object');
  assert.deepEqual(response.chunks, chunks);
  assert.deepEqual(server.streams()[0].json, request);
});

test('the last object chunk is the assessment, as in seed 001', async (t) => {
  const assessment = { final_decision: 'rebook', recommendations: [] };
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA, { type: 'chunk', data: 'thinking' }, { type: 'chunk', data: assessment }, { type: 'complete', execution_time_ms: 7 })]));
  const seen = await invoke((a, b, c) => invokeStreaming({ prompt: 'p', session_id: SESSION }, a, b, c, { url: server.url }));
  assert.deepEqual(seen.complete[0].assessment, assessment);
  assert.equal(seen.complete[0].session_id, SESSION);
});

test('an error frame becomes one APIError SERVER_ERROR with its message; no onComplete', async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA, { type: 'chunk', data: 'a' }, { type: 'error', error_code: 'AgentError', error_message: 'tool crashed', retryable: false })]));
  const seen = await invoke((a, b, c) => invokeStreaming({ prompt: 'p' }, a, b, c, { url: server.url }));
  assert.deepEqual(seen.chunks, ['a']);
  assert.deepEqual(seen.complete, []);
  assert.equal(seen.errors.length, 1);
  const [e] = seen.errors;
  assert.equal(e.type, 'SERVER_ERROR');
  assert.equal(e.message, 'tool crashed');
  assert.equal(e.retryable, false);
  assert.ok(e.details instanceof AgentStreamError);
  assert.equal(e.details.code, 'AgentError');
});

const statusTypes = [
  [400, { error: 'validation', message: 'prompt must be a non-empty string', fields: ['prompt'] }, 'VALIDATION_ERROR', false],
  [401, { error: 'unauthorized', message: 'token expired' }, 'AUTH_ERROR', false],
  [429, { error: 'throttled', message: 'slow down' }, 'RATE_LIMIT_ERROR', true],
  [502, { error: 'upstream', code: 'UpstreamRejected', message: 'rejected', retryable: false }, 'SERVER_ERROR', false],
  [504, { error: 'upstream', code: 'UpstreamTimeout', message: 'slow', retryable: true }, 'TIMEOUT_ERROR', true],
];

for (const [status, body, type, retryable] of statusTypes) {
  test(`HTTP ${status} becomes APIError ${type} with statusCode and the JSON body's message`, async (t) => {
    const server = await serve(t, (req, res) => writeJSON(res, status, body));
    const seen = await invoke((a, b, c) => invokeStreaming({ prompt: 'p' }, a, b, c, { url: server.url, retries: 0 }));
    assert.equal(seen.errors.length, 1);
    const [e] = seen.errors;
    assert.equal(e.type, type);
    assert.equal(e.statusCode, status);
    assert.equal(e.message, body.message);
    assert.equal(e.retryable, retryable);
    assert.deepEqual(e.details.body, body);
  });
}

test('a truncated stream is an error (seed 001 would have called nothing), and a network failure is NETWORK_ERROR', async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA, { type: 'chunk', data: 'a' })]));
  const cut = await invoke((a, b, c) => invokeStreaming({ prompt: 'p' }, a, b, c, { url: server.url }));
  assert.deepEqual(cut.complete, []);
  assert.equal(cut.errors[0].type, 'SERVER_ERROR');
  assert.equal(cut.errors[0].details.code, 'truncated');

  const gone = await startServer((req, res) => res.socket.destroy());
  const down = await invoke((a, b, c) => invokeStreaming({ prompt: 'p' }, a, b, c, { url: gone.url, retries: 1, retryDelayMs: 1 }));
  await gone.close();
  assert.equal(down.errors[0].type, 'NETWORK_ERROR');
  assert.equal(down.errors[0].retryable, true);
  assert.equal(gone.streams().length, 2);
});

test("createClient binds the URL and token: invokeStreaming then takes seed 001's four arguments", async (t) => {
  const server = await serve(t, (req, res) => writeStream(res, [frames(METADATA, { type: 'chunk', data: 'hello' }, { type: 'complete', execution_time_ms: 3 })]));
  const api = createClient({ url: server.url, getToken: async () => 'clerk-jwt' });
  assert.equal(api.invokeStreaming.length, 4);
  const seen = await invoke((a, b, c) => api.invokeStreaming({ prompt: 'p' }, a, b, c));
  assert.deepEqual(seen.chunks, ['hello']);
  assert.equal(seen.complete[0].session_id, SESSION);
  assert.equal(server.streams()[0].headers.authorization, 'Bearer clerk-jwt');
});

test('a token getter that throws reaches onError, and nothing is sent', async (t) => {
  const server = await serve(t, () => {});
  const seen = await invoke((a, b, c) => invokeStreaming({ prompt: 'p' }, a, b, c, { url: server.url, getToken: () => { throw new Error('signed out'); } }));
  assert.equal(seen.errors[0].type, 'NETWORK_ERROR');
  assert.equal(seen.errors[0].retryable, false);
  assert.equal(seen.errors[0].details.code, 'token_unavailable');
  assert.equal(server.requests.length, 0);
});
