// AgentStream client: streams an agent's answer from an AgentStream Function URL.
// One ES module, no dependencies, no build step; runs in browsers and Node >= 18 (fetch, ReadableStream,
// TextDecoder). Types: agentstream.d.ts. Usage: README.md beside this file.

const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_DELAY_MS = 500;
const DEFAULT_RETRY_MAX_DELAY_MS = 8000;
// Error bodies are small JSON; a misbehaving proxy must not make us buffer megabytes to report it.
const MAX_ERROR_BODY_CHARS = 64 * 1024;

/** A failure of an AgentStream call, typed by where it happened. */
export class AgentStreamError extends Error {
  constructor({ kind, message, status = 0, code = kind, retryable = false, fields = [], body = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AgentStreamError';
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.retryable = retryable;
    this.fields = fields;
    this.body = body;
    // Set on `aborted` errors when a cancel request went out: resolves to its answer (or null).
    this.cancellation = null;
  }
}

// ---------------------------------------------------------------------------------------------
// WHATWG event-stream parsing (https://html.spec.whatwg.org/multipage/server-sent-events.html).

/**
 * Incremental parser: feed() decoded text in any pieces, end() at end of stream. Calls
 * onEvent({data, event, id}) per dispatched event and onComment(text) per comment line.
 */
class EventStreamParser {
  constructor(onEvent, onComment) {
    this.onEvent = onEvent;
    this.onComment = onComment;
    this.pending = '';
    this.scanFrom = 0;
    this.data = [];
    this.event = '';
    this.lastEventId = '';
  }

  feed(text) {
    this.pending = this.pending ? this.pending + text : text;
    this.drain(false);
  }

  end() {
    this.drain(true);
    // A final line without its terminator still counts, and so does a last event without its blank
    // line: a server that closes right after `complete` must not look truncated.
    if (this.pending) {
      const line = this.pending;
      this.pending = '';
      this.scanFrom = 0;
      this.line(line);
    }
    this.dispatch();
  }

  drain(final) {
    const text = this.pending;
    let start = 0;
    let from = this.scanFrom;
    // Next LF/CR positions, searched once and reused: -2 = not searched yet, -1 = none left.
    let lf = -2;
    let cr = -2;
    let waiting = false;
    for (;;) {
      if (lf !== -1 && lf < from) lf = text.indexOf('\n', from);
      if (cr !== -1 && cr < from) cr = text.indexOf('\r', from);
      let end;
      if (cr === -1) end = lf;
      else if (lf === -1) end = cr;
      else end = Math.min(cr, lf);
      if (end === -1) break;
      let next = end + 1;
      if (text.charCodeAt(end) === 13) {
        // A CR at the very end may be the first half of a CRLF split across reads: wait for more.
        if (end === text.length - 1 && !final) {
          waiting = true;
          break;
        }
        if (text.charCodeAt(end + 1) === 10) next = end + 2;
      }
      this.line(text.slice(start, end));
      start = from = next;
    }
    this.pending = start === 0 ? text : text.slice(start);
    // Where the next feed() resumes searching, so one long line arriving in many reads is scanned once.
    this.scanFrom = waiting ? this.pending.length - 1 : this.pending.length;
  }

  line(line) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) {
      this.onComment(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    let field = line;
    let value = '';
    if (colon !== -1) {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      default:
        // `retry` and unknown fields: nothing to do for a one-shot POST stream.
        break;
    }
  }

  dispatch() {
    if (this.data.length === 0) {
      this.event = '';
      return;
    }
    const data = this.data.join('\n');
    const event = this.event || 'message';
    this.data = [];
    this.event = '';
    this.onEvent({ data, event, id: this.lastEventId });
  }
}

// ---------------------------------------------------------------------------------------------
// Requests.

function baseURL(url) {
  if (typeof url !== 'string' || url === '') throw new TypeError('AgentStream: `url` (the Function URL) is required');
  return url.replace(/\/+$/, '');
}

/** Seed 000's chat shape (`agentName` + `messages`) goes to the streaming API; anything else is a prompt. */
function isChatRequest(request) {
  return Array.isArray(request.messages) || typeof request.agentName === 'string';
}

function requestTarget(url, request) {
  if (request === null || typeof request !== 'object') throw new TypeError('AgentStream: `request` must be an object');
  const base = baseURL(url);
  if (isChatRequest(request)) {
    return { url: `${base}/api/streaming/stream`, sessionId: request.threadId, agent: request.agentName };
  }
  return { url: `${base}/`, sessionId: request.session_id, agent: request.agent };
}

async function authorization(options) {
  let token = options.token;
  if (typeof options.getToken === 'function') {
    try {
      token = await options.getToken();
    } catch (cause) {
      const detail = cause && cause.message ? cause.message : String(cause);
      throw new AgentStreamError({
        kind: 'network', code: 'token_unavailable', retryable: false, cause,
        message: `getToken() failed, so no request was sent: ${detail}`,
      });
    }
  }
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function fetchOf(options) {
  const f = options.fetch || globalThis.fetch;
  if (typeof f !== 'function') throw new TypeError('AgentStream: no fetch available (Node >= 18 or a browser is required)');
  return f;
}

function abortedError(signal) {
  const reason = signal && signal.reason;
  const why = reason && reason.message && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new AgentStreamError({ kind: 'aborted', code: 'aborted', message: `the request was aborted${why}`, cause: reason });
}

function networkError(cause) {
  const detail = cause && cause.cause && cause.cause.message ? cause.cause.message : cause && cause.message;
  return new AgentStreamError({
    kind: 'network', code: 'network', retryable: true, cause,
    message: `could not reach the function${detail ? `: ${detail}` : ''}`,
  });
}

/** Reads the first MAX_ERROR_BODY_CHARS characters of a (small, JSON) answer body; parses it when it is JSON. */
async function readErrorBody(response) {
  let text = '';
  if (response.body) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder('utf-8');
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        if (text.length > MAX_ERROR_BODY_CHARS) {
          text = text.slice(0, MAX_ERROR_BODY_CHARS);
          reader.cancel().catch(() => {});
          break;
        }
      }
      text += decoder.decode();
    } catch {
      // A body that breaks off still leaves the status to report.
    }
  }
  try {
    const json = JSON.parse(text);
    return { text, json: json && typeof json === 'object' ? json : null };
  } catch {
    return { text, json: null };
  }
}

/** An `http` error from a non-2xx answer, keeping AgentStream's JSON error body. */
async function httpError(response) {
  const { text, json } = await readErrorBody(response);
  const status = response.status;
  const body = json || {};
  // Upstream errors name the agent's code (`Throttling`); the others name their class (`validation`).
  const code = typeof body.code === 'string' ? body.code
    : typeof body.error === 'string' ? body.error
    : typeof body.errorType === 'string' ? body.errorType
    : `http_${status}`;
  const message = typeof body.message === 'string' ? body.message
    : typeof body.errorMessage === 'string' ? body.errorMessage
    : text.trim() ? `HTTP ${status}: ${text.trim().slice(0, 200)}`
    : `HTTP ${status}`;
  const retryable = typeof body.retryable === 'boolean' ? body.retryable : status === 429 || status === 503;
  const fields = Array.isArray(body.fields) ? body.fields.filter((f) => typeof f === 'string') : [];
  const error = new AgentStreamError({ kind: 'http', status, code, message, retryable, fields, body: json });
  const retryAfter = Number(response.headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter >= 0) error.retryAfterMs = retryAfter * 1000;
  return error;
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(abortedError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Only failures that happen before any byte of the stream and that a second try can fix. */
function shouldRetry(error) {
  if (error.kind === 'network') return error.code === 'network';
  return error.kind === 'http' && (error.status === 429 || error.status === 503);
}

function backoffMs(attempt, options, error) {
  const base = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const cap = options.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
  // Full jitter: many clients that failed together must not come back together.
  const jittered = Math.random() * Math.min(cap, base * 2 ** attempt);
  return Math.min(cap, Math.max(jittered, error.retryAfterMs ?? 0));
}

/** Sends the request, retrying before the first byte only; resolves to a 2xx Response. */
async function openStream(options, target, signal) {
  const doFetch = fetchOf(options);
  const retries = options.retries ?? DEFAULT_RETRIES;
  const body = JSON.stringify(options.request);
  for (let attempt = 0; ; attempt += 1) {
    if (signal.aborted) throw abortedError(signal);
    // A fresh token per attempt: a retry may come after the previous token expired.
    const headers = {
      'Content-Type': 'application/json',
      Accept: 'text/event-stream',
      ...(options.headers || {}),
      ...(await authorization(options)),
    };
    let failure;
    try {
      const response = await doFetch(target.url, { method: 'POST', headers, body, signal });
      if (response.ok) return response;
      failure = await httpError(response);
    } catch (cause) {
      if (signal.aborted) throw abortedError(signal);
      if (cause instanceof AgentStreamError) throw cause;
      failure = networkError(cause);
    }
    if (attempt >= retries || !shouldRetry(failure)) throw failure;
    await sleep(backoffMs(attempt, options, failure), signal);
  }
}

/**
 * Asks the function to stop the agent's session (`POST /api/streaming/cancel`). Resolves to
 * `{ok, status, body}`; rejects only when the function cannot be reached.
 */
export async function cancelSession(options) {
  const base = baseURL(options.url);
  if (typeof options.sessionId !== 'string' || options.sessionId === '') {
    throw new TypeError('AgentStream: cancelSession needs the `sessionId` to stop');
  }
  const payload = { session_id: options.sessionId };
  if (options.agent) payload.agent = options.agent;
  const headers = { 'Content-Type': 'application/json', ...(await authorization(options)) };
  let response;
  try {
    response = await fetchOf(options)(`${base}/api/streaming/cancel`, {
      method: 'POST', headers, body: JSON.stringify(payload), signal: options.signal,
    });
  } catch (cause) {
    throw networkError(cause);
  }
  const { json } = await readErrorBody(response);
  return { ok: response.ok, status: response.status, body: json };
}

/** `GET /api/streaming/agents`: the configured agent names. */
export async function listAgents(options) {
  const base = baseURL(options.url);
  const headers = { Accept: 'application/json', ...(await authorization(options)) };
  let response;
  try {
    response = await fetchOf(options)(`${base}/api/streaming/agents`, { headers, signal: options.signal });
  } catch (cause) {
    if (options.signal && options.signal.aborted) throw abortedError(options.signal);
    throw networkError(cause);
  }
  if (!response.ok) throw await httpError(response);
  const { json } = await readErrorBody(response);
  if (!json || !Array.isArray(json.data)) {
    throw new AgentStreamError({ kind: 'protocol', code: 'bad_response', message: 'the agents list is not {"data":[...]}' });
  }
  return json.data.filter((name) => typeof name === 'string');
}

function call(callback, ...args) {
  if (typeof callback === 'function') callback(...args);
}

/**
 * Streams one request to the agent. Resolves to `{requestId, sessionId, agent, text, chunks,
 * executionTimeMs}` after `complete`; rejects with an AgentStreamError (also passed to `onError`).
 */
export async function streamAgent(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('AgentStream: streamAgent(options) needs an options object');
  const target = requestTarget(options.url, options.request);
  if (options.retries !== undefined && !(Number.isInteger(options.retries) && options.retries >= 0)) {
    throw new TypeError('AgentStream: `retries` must be a whole number >= 0');
  }
  const controller = new AbortController();
  const outer = options.signal;
  const state = { sessionId: target.sessionId, agent: target.agent, callbackError: null };
  const onOuterAbort = () => controller.abort(outer.reason);
  if (outer) {
    if (outer.aborted) controller.abort(outer.reason);
    else outer.addEventListener('abort', onOuterAbort, { once: true });
  }
  try {
    const response = await openStream(options, target, controller.signal);
    return await consume(response, options, state, controller);
  } catch (thrown) {
    if (state.callbackError) throw state.callbackError;
    let error = thrown;
    if (!(error instanceof AgentStreamError)) error = networkError(error);
    if (error.kind === 'aborted' && options.cancelOnAbort !== false && state.sessionId) {
      // Dropping the connection does not stop an AgentCore agent: it keeps computing (and billing)
      // until it finishes, so Stop also asks the function to end the session.
      error.cancellation = cancelSession({
        url: options.url, sessionId: state.sessionId, agent: state.agent,
        token: options.token, getToken: options.getToken, fetch: options.fetch,
      }).catch(() => null);
    }
    call(options.onError, error);
    throw error;
  } finally {
    if (outer) outer.removeEventListener('abort', onOuterAbort);
  }
}

/**
 * The terminal frame is the last one and the function closes right after it. Reading that close in
 * the background (not cancelling) lets the connection be reused; a server that keeps the stream open
 * anyway is cut off after a second.
 */
function drainAfterEnd(reader) {
  const timer = setTimeout(() => reader.cancel().catch(() => {}), 1000);
  // In Node, this timer alone must not keep a finished script alive.
  if (typeof timer === 'object' && typeof timer.unref === 'function') timer.unref();
  const next = () => reader.read().then(({ done }) => (done ? clearTimeout(timer) : next()), () => clearTimeout(timer));
  next();
}

async function consume(response, options, state, controller) {
  const contentType = response.headers.get('content-type') || '';
  if (!/^text\/event-stream\b/i.test(contentType)) {
    controller.abort();
    throw new AgentStreamError({
      kind: 'protocol', code: 'not_event_stream', status: response.status,
      message: `expected text/event-stream, got ${contentType || 'no content type'}`,
    });
  }
  if (!response.body) {
    throw new AgentStreamError({ kind: 'protocol', code: 'no_body', message: 'the response has no readable body' });
  }

  const result = { requestId: '', sessionId: state.sessionId || '', agent: state.agent || '', text: '', chunks: [], executionTimeMs: 0 };
  const textParts = [];
  let outcome = null; // {complete} or {error}
  let failure = null;

  // User callbacks run inside the parser; one that throws ends the stream with its own error.
  const guarded = (fn) => {
    try {
      fn();
    } catch (error) {
      state.callbackError = error;
      throw error;
    }
  };

  const onFrameText = ({ data, event, id }) => {
    if (outcome || failure) return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      failure = new AgentStreamError({
        kind: 'protocol', code: 'bad_frame', message: `a frame is not JSON: ${data.slice(0, 120)}`,
      });
      return;
    }
    const type = frame && typeof frame === 'object' ? frame.type : undefined;
    switch (type) {
      case 'metadata':
        if (typeof frame.request_id === 'string') result.requestId = frame.request_id;
        if (typeof frame.session_id === 'string') result.sessionId = state.sessionId = frame.session_id;
        if (typeof frame.agent === 'string') result.agent = state.agent = frame.agent;
        guarded(() => call(options.onMetadata, { requestId: result.requestId, sessionId: result.sessionId, agent: result.agent, frame }));
        break;
      case 'status':
        guarded(() => call(options.onStatus, {
          phase: frame.phase, elapsedMs: typeof frame.elapsed_ms === 'number' ? frame.elapsed_ms : null, frame,
        }));
        break;
      case 'chunk':
        result.chunks.push(frame.data);
        if (typeof frame.data === 'string') textParts.push(frame.data);
        guarded(() => call(options.onChunk, frame.data, frame));
        break;
      case 'complete':
        result.executionTimeMs = typeof frame.execution_time_ms === 'number' ? frame.execution_time_ms : 0;
        outcome = { complete: true };
        break;
      case 'error':
        outcome = {
          error: new AgentStreamError({
            kind: 'stream',
            code: typeof frame.error_code === 'string' ? frame.error_code : 'error',
            message: typeof frame.error_message === 'string' ? frame.error_message : 'the agent reported an error',
            retryable: frame.retryable === true,
            body: frame,
          }),
        };
        break;
      default:
        guarded(() => call(options.onFrame, frame, { event, id }));
    }
  };

  const parser = new EventStreamParser(onFrameText, (comment) => guarded(() => call(options.onComment, comment)));
  const decoder = new TextDecoder('utf-8');
  const reader = response.body.getReader();
  try {
    while (!outcome && !failure) {
      let step;
      try {
        step = await reader.read();
      } catch (cause) {
        if (controller.signal.aborted) throw abortedError(controller.signal);
        throw new AgentStreamError({
          kind: 'network', code: 'connection_lost', retryable: true, cause,
          message: `the connection broke mid-stream${cause && cause.message ? `: ${cause.message}` : ''}`,
        });
      }
      if (step.done) {
        parser.feed(decoder.decode());
        parser.end();
        break;
      }
      parser.feed(decoder.decode(step.value, { stream: true }));
    }
  } catch (error) {
    controller.abort();
    throw error;
  }
  if (outcome || failure) drainAfterEnd(reader);
  if (failure) throw failure;
  if (!outcome) {
    throw new AgentStreamError({
      kind: 'protocol', code: 'truncated', retryable: true,
      message: 'the stream ended without a complete or error frame (truncated)',
    });
  }
  if (outcome.error) throw outcome.error;
  result.text = textParts.join('');
  guarded(() => call(options.onComplete, result));
  return result;
}

// ---------------------------------------------------------------------------------------------
// Seed 001 compatibility: frontend/services/api.ts `invokeStreaming`.

const API_ERROR_TYPES = {
  NETWORK_ERROR: 'NETWORK_ERROR', AUTH_ERROR: 'AUTH_ERROR', TIMEOUT_ERROR: 'TIMEOUT_ERROR',
  RATE_LIMIT_ERROR: 'RATE_LIMIT_ERROR', VALIDATION_ERROR: 'VALIDATION_ERROR', SERVER_ERROR: 'SERVER_ERROR',
  UNKNOWN_ERROR: 'UNKNOWN_ERROR',
};

/** Seed 001's APIError `{type, message, statusCode?, retryable, details}` for an AgentStreamError. */
export function toAPIError(error) {
  if (!(error instanceof AgentStreamError)) {
    return { type: API_ERROR_TYPES.UNKNOWN_ERROR, message: (error && error.message) || String(error), retryable: false, details: error };
  }
  let type = API_ERROR_TYPES.UNKNOWN_ERROR;
  if (error.kind === 'network') type = API_ERROR_TYPES.NETWORK_ERROR;
  else if (error.kind === 'aborted') type = API_ERROR_TYPES.TIMEOUT_ERROR;
  else if (error.kind === 'stream' || error.kind === 'protocol') type = API_ERROR_TYPES.SERVER_ERROR;
  else if (error.status === 401 || error.status === 403) type = API_ERROR_TYPES.AUTH_ERROR;
  else if (error.status === 429) type = API_ERROR_TYPES.RATE_LIMIT_ERROR;
  else if (error.status === 504) type = API_ERROR_TYPES.TIMEOUT_ERROR;
  else if (error.status === 400 || error.status === 413) type = API_ERROR_TYPES.VALIDATION_ERROR;
  else if (error.status >= 500) type = API_ERROR_TYPES.SERVER_ERROR;
  const apiError = { type, message: error.message, retryable: error.retryable, details: error };
  if (error.status) apiError.statusCode = error.status;
  return apiError;
}

/**
 * Seed 001's `invokeStreaming(request, onChunk, onComplete, onError)`: same callbacks, same
 * `InvokeResponse`, never rejects. `options` carries what the seed kept in its APIService config.
 */
export async function invokeStreaming(request, onChunk, onComplete, onError, options = {}) {
  let result;
  try {
    result = await streamAgent({ ...options, request, onChunk: (data) => onChunk(data), onError: undefined, onComplete: undefined });
  } catch (error) {
    onError(toAPIError(error));
    return;
  }
  const last = result.chunks[result.chunks.length - 1];
  const response = {
    status: 'success',
    request_id: result.requestId,
    session_id: result.sessionId,
    execution_time_ms: result.executionTimeMs,
    timestamp: new Date().toISOString(),
    // As the seed did: the last chunk is the assessment when the agent sends one as an object.
    assessment: last !== null && typeof last === 'object' ? last : undefined,
    chunks: result.chunks,
  };
  try {
    onComplete(response);
  } catch (error) {
    // The seed's try block also covered its onComplete call: a throwing handler ends up in onError.
    onError(toAPIError(error));
  }
}

/**
 * Binds a URL and auth once: `client.streamAgent(opts)`, `client.invokeStreaming(request, onChunk,
 * onComplete, onError)` (seed 001's exact 4 arguments), `client.cancelSession`, `client.listAgents`.
 */
export function createClient(defaults) {
  baseURL(defaults && defaults.url);
  return {
    streamAgent: (options) => streamAgent({ ...defaults, ...options }),
    invokeStreaming: (request, onChunk, onComplete, onError) => invokeStreaming(request, onChunk, onComplete, onError, defaults),
    cancelSession: (options) => cancelSession({ ...defaults, ...options }),
    listAgents: (options = {}) => listAgents({ ...defaults, ...options }),
  };
}
