// The AgentStream demo page: a chat on top of clients/js/agentstream.js (served as vendor/agentstream.js).
import { streamAgent, listAgents } from './vendor/agentstream.js';

const DEFAULT_API = 'http://127.0.0.1:9000';
const $ = (id) => document.getElementById(id);

const ui = {
  apiUrl: $('api-url'),
  token: $('token'),
  settings: $('settings'),
  conversation: $('conversation'),
  empty: $('empty'),
  turns: $('turns'),
  progress: $('progress'),
  progressText: $('progress-text'),
  metrics: $('metrics'),
  form: $('prompt-form'),
  prompt: $('prompt'),
  send: $('send'),
  stop: $('stop'),
  agent: $('agent'),
  agentNote: $('agent-note'),
  session: $('session'),
  newConversation: $('new-conversation'),
};

const state = {
  api: DEFAULT_API,
  sessionId: '',
  controller: null,
  run: null, // the stream in flight: timing and phase, for the progress line
};

// ---------------------------------------------------------------------------------------------
// Where the function is: /config.json on this page's origin (lambda-local --web serves it), else
// ?api=, else make run's default.

async function discoverApi() {
  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    if (response.ok) {
      const config = await response.json();
      if (config && typeof config.apiUrl === 'string' && config.apiUrl) return config.apiUrl;
    }
  } catch {
    // No config.json (a plain static host, or file://): fall through.
  }
  const fromQuery = new URLSearchParams(location.search).get('api');
  return fromQuery || DEFAULT_API;
}

const token = () => ui.token.value.trim() || null;

// ---------------------------------------------------------------------------------------------
// Agents.

let agentsRequest = 0;

async function loadAgents() {
  // Typing a token reloads the list; only the answer to the latest request may fill it.
  const mine = ++agentsRequest;
  const previous = ui.agent.value;
  ui.agentNote.textContent = 'loading agents…';
  ui.agentNote.classList.remove('problem');
  let names;
  try {
    names = await listAgents({ url: state.api, token: token() });
    if (mine !== agentsRequest) return;
    ui.agentNote.textContent = '';
  } catch (error) {
    if (mine !== agentsRequest) return;
    names = [];
    ui.agentNote.classList.add('problem');
    ui.agentNote.textContent = error.status === 401
      ? 'the function wants a token (Token ↗)'
      : `cannot list agents: ${error.message}`;
  }
  ui.agent.replaceChildren();
  if (names.length === 0) {
    // Still let the user try: the function picks its default agent when none is named.
    ui.agent.append(new Option('(function default)', ''));
  }
  for (const name of names) ui.agent.append(new Option(name, name));
  if (names.includes(previous)) ui.agent.value = previous;
}

// ---------------------------------------------------------------------------------------------
// Progress line: fed by the function's status frames (connecting / waiting / streaming), with the
// page's own states around them (sending before any byte, done / stopped / error after).

const PHASE_TEXT = {
  sending: () => 'Connecting…',
  connecting: () => 'Connecting to the agent…',
  connected: () => 'Connected, waiting for the agent…',
  waiting: (run) => `Thinking… ${Math.max(0, Math.round(silentMs(run) / 1000))} s`,
  streaming: () => 'Streaming',
};

/**
 * How long the agent has been silent. Before its first words: the last status frame's elapsed_ms (time
 * since the function got the request), advanced by the local clock since the frame arrived. Once it has
 * written, a later `waiting` frame means it went quiet again: the time since its last chunk.
 */
function silentMs(run) {
  if (run.lastChunkAt) return performance.now() - run.lastChunkAt;
  if (run.statusElapsedMs == null) return performance.now() - run.startedAt;
  return run.statusElapsedMs + (performance.now() - run.statusAt);
}

function setPhase(phase, source, text) {
  ui.progress.dataset.phase = phase;
  ui.progress.dataset.source = source;
  ui.progressText.textContent = text;
}

function seconds(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

function renderProgress() {
  const run = state.run;
  if (!run) return;
  const text = PHASE_TEXT[run.phase];
  if (text) setPhase(run.phase, run.source, text(run));
  const elapsed = performance.now() - run.startedAt;
  const parts = [];
  if (run.firstTokenMs != null) parts.push(`first token ${seconds(run.firstTokenMs)}`);
  parts.push(seconds(elapsed));
  ui.metrics.textContent = parts.join(' · ');
}

// ---------------------------------------------------------------------------------------------
// Conversation.

function agentLabel(name) {
  return name ? `${name} agent` : 'agent';
}

function makeTurn(prompt, agent) {
  ui.empty.hidden = true;
  const item = document.createElement('li');
  item.className = 'turn waiting';
  const user = document.createElement('div');
  user.className = 'bubble-user';
  user.textContent = prompt;
  const answer = document.createElement('article');
  answer.className = 'answer';
  const head = document.createElement('div');
  head.className = 'answer-head';
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = agentLabel(agent);
  head.append(who);
  const text = document.createElement('div');
  text.className = 'answer-text';
  const foot = document.createElement('div');
  foot.className = 'turn-foot';
  foot.textContent = 'waiting for the first token…';
  answer.append(head, text, foot);
  item.append(user, answer);
  ui.turns.append(item);
  scrollToEnd(true);
  return { item, who, text, foot, answer };
}

function nearBottom() {
  const c = ui.conversation;
  return c.scrollHeight - c.scrollTop - c.clientHeight < 96;
}

function scrollToEnd(force) {
  if (force || nearBottom()) ui.conversation.scrollTop = ui.conversation.scrollHeight;
}

function appendChunk(turn, data) {
  const follow = nearBottom();
  if (typeof data === 'string') {
    // One text node per chunk: nothing already on screen is re-rendered.
    turn.text.append(document.createTextNode(data));
  } else {
    const event = document.createElement('span');
    event.className = 'event';
    const label = data && typeof data === 'object' && data.type ? `${data.type}${data.toolName ? ` · ${data.toolName}` : ''}` : 'event';
    event.textContent = `${label}\n${JSON.stringify(data)}`;
    turn.text.append(event);
  }
  if (follow) scrollToEnd(true);
}

function stat(label, value) {
  const span = document.createElement('span');
  span.className = 'stat';
  const b = document.createElement('b');
  b.textContent = value;
  span.append(`${label} `, b);
  return span;
}

function finishTurn(turn, run, result) {
  turn.item.classList.remove('streaming', 'waiting');
  turn.item.classList.add('done');
  turn.foot.replaceChildren(
    stat('first token', run.firstTokenMs == null ? '—' : seconds(run.firstTokenMs)),
    stat('total', seconds(run.endedAt - run.startedAt)),
    stat('agent time', seconds(result.executionTimeMs)),
    stat('chunks', String(result.chunks.length)),
  );
}

/** How an error reads on the page: its code, what happened, and whether a retry may help. */
function describeError(error) {
  const where = {
    http: error.status ? `HTTP ${error.status}` : 'request failed',
    network: 'network',
    stream: 'agent error',
    protocol: 'broken stream',
    aborted: 'stopped',
  }[error.kind] || 'error';
  let message = error.message;
  if (error.fields && error.fields.length) message += ` (fields: ${error.fields.join(', ')})`;
  // "network network" says nothing twice: the code is shown only when it adds something.
  const code = error.code && error.code !== where ? error.code : '';
  return { where, code, message };
}

function showError(turn, run, error, retry) {
  turn.item.classList.remove('streaming', 'waiting');
  turn.item.classList.add('failed');
  const { where, code, message } = describeError(error);
  const box = document.createElement('div');
  box.className = 'error-box';
  box.dataset.kind = error.kind;
  box.dataset.code = error.code;
  box.dataset.status = String(error.status || '');
  box.dataset.retryable = String(error.retryable);
  const title = document.createElement('div');
  title.className = 'error-title';
  const titleText = document.createElement('span');
  titleText.textContent = where;
  const codeEl = document.createElement('span');
  codeEl.className = 'error-code';
  codeEl.textContent = code;
  title.append(titleText, codeEl);
  const messageEl = document.createElement('p');
  messageEl.className = 'error-message';
  messageEl.textContent = message;
  const advice = document.createElement('p');
  advice.className = 'error-advice';
  advice.textContent = error.retryable ? 'A retry may help.' : 'Retrying the same request will not help.';
  if (error.kind === 'network' && error.code === 'network') {
    // In a browser a refused CORS preflight looks exactly like an unreachable server.
    advice.textContent += ` Is the function running at ${state.api}? Its CORS configuration must allow this page's origin (${location.origin}).`;
  }
  box.append(title, messageEl, advice);
  if (error.retryable) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Retry';
    button.addEventListener('click', () => { if (!state.controller) send(retry); });
    box.append(button);
  }
  turn.answer.insertBefore(box, turn.foot);
  turn.foot.replaceChildren(stat('failed after', seconds(run.endedAt - run.startedAt)));
  // The user should see what went wrong, wherever they had scrolled.
  scrollToEnd(true);
}

async function showStopped(turn, run, error) {
  turn.item.classList.remove('streaming', 'waiting');
  turn.item.classList.add('stopped');
  const label = document.createElement('span');
  label.className = 'stopped';
  label.textContent = 'Stopped';
  const cancel = document.createElement('span');
  cancel.className = 'cancel-result';
  turn.foot.replaceChildren(label, stat('after', seconds(run.endedAt - run.startedAt)), cancel);
  if (!error.cancellation) {
    cancel.textContent = 'no session yet, so there was nothing to cancel';
    return;
  }
  cancel.textContent = 'asking the function to stop the agent…';
  const answer = await error.cancellation;
  if (!answer) cancel.textContent = 'the cancel request failed; the agent may still be running';
  else if (answer.ok) cancel.textContent = `agent stopping (${answer.status} ${answer.body && answer.body.status ? answer.body.status : ''})`.trim();
  else cancel.textContent = `the function could not stop the agent: ${answer.status} ${(answer.body && (answer.body.message || answer.body.error)) || ''}`.trim();
  cancel.dataset.status = answer ? String(answer.status) : 'failed';
}

// ---------------------------------------------------------------------------------------------
// Session.

function showSession() {
  ui.session.textContent = state.sessionId || 'new';
  ui.session.dataset.sessionId = state.sessionId;
  ui.session.title = state.sessionId || 'A new session starts with the next prompt';
}

function newConversation() {
  if (state.controller) return;
  state.sessionId = '';
  showSession();
  ui.turns.replaceChildren();
  ui.empty.hidden = false;
  setPhase('idle', 'page', 'Ready');
  ui.metrics.textContent = '';
  ui.prompt.focus();
}

// ---------------------------------------------------------------------------------------------
// Sending.

function setBusy(busy) {
  ui.send.hidden = busy;
  ui.stop.hidden = !busy;
  ui.stop.disabled = false;
  ui.newConversation.disabled = busy;
  ui.agent.disabled = busy;
  ui.conversation.setAttribute('aria-busy', String(busy));
}

async function send(prompt) {
  if (state.controller || !prompt.trim()) return;
  const agent = ui.agent.value;
  const request = { prompt };
  if (agent) request.agent = agent;
  if (state.sessionId) request.session_id = state.sessionId;

  const turn = makeTurn(prompt, agent);
  const controller = new AbortController();
  const run = { startedAt: performance.now(), phase: 'sending', source: 'page', statusElapsedMs: null, statusAt: 0, firstTokenMs: null, lastChunkAt: 0, endedAt: 0 };
  state.controller = controller;
  state.run = run;
  setBusy(true);
  renderProgress();
  const ticker = setInterval(renderProgress, 200);

  try {
    const result = await streamAgent({
      url: state.api,
      request,
      token: token(),
      signal: controller.signal,
      retries: 2,
      onMetadata(metadata) {
        state.sessionId = metadata.sessionId;
        showSession();
        turn.who.textContent = agentLabel(metadata.agent || agent);
        if (run.source === 'page') run.phase = 'connected';
        renderProgress();
      },
      onStatus(status) {
        run.phase = status.phase in PHASE_TEXT ? status.phase : run.phase;
        run.source = 'status';
        if (status.elapsedMs != null) {
          run.statusElapsedMs = status.elapsedMs;
          run.statusAt = performance.now();
        }
        renderProgress();
      },
      onChunk(data) {
        if (run.firstTokenMs == null) {
          run.firstTokenMs = performance.now() - run.startedAt;
          turn.item.classList.remove('waiting');
          turn.item.classList.add('streaming');
          turn.foot.textContent = 'streaming…';
        }
        run.lastChunkAt = performance.now();
        // The function says `streaming` once; text after a mid-answer `waiting`, or with STATUS_FRAMES=off
        // (no status frames at all), is what says it again.
        if (run.phase !== 'streaming') {
          run.phase = 'streaming';
          run.source = 'chunk';
        }
        appendChunk(turn, data);
        renderProgress();
      },
    });
    run.endedAt = performance.now();
    finishTurn(turn, run, result);
    setPhase('done', 'page', 'Done');
    ui.metrics.textContent = `${run.firstTokenMs == null ? '' : `first token ${seconds(run.firstTokenMs)} · `}total ${seconds(run.endedAt - run.startedAt)}`;
  } catch (error) {
    run.endedAt = performance.now();
    ui.metrics.textContent = `after ${seconds(run.endedAt - run.startedAt)}`;
    if (error.kind === 'aborted') {
      setPhase('stopped', 'page', 'Stopped');
      showStopped(turn, run, error);
    } else if (error.kind) {
      const { where, code } = describeError(error);
      setPhase('error', 'page', `Failed: ${where}${code ? ` ${code}` : ''}`);
      showError(turn, run, error, prompt);
    } else {
      setPhase('error', 'page', `Failed: ${error.message}`);
      showError(turn, run, { kind: 'protocol', code: 'page_error', message: String(error.message || error), retryable: false, fields: [] }, prompt);
    }
  } finally {
    clearInterval(ticker);
    state.controller = null;
    state.run = null;
    setBusy(false);
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring.

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  const prompt = ui.prompt.value;
  if (!prompt.trim() || state.controller) return;
  ui.prompt.value = '';
  send(prompt);
});

ui.prompt.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.form.requestSubmit();
  }
});

ui.stop.addEventListener('click', () => {
  if (!state.controller) return;
  ui.stop.disabled = true;
  setPhase('stopping', 'page', 'Stopping…');
  state.controller.abort();
});

ui.newConversation.addEventListener('click', newConversation);

for (const button of document.querySelectorAll('.suggestion')) {
  button.addEventListener('click', () => {
    ui.prompt.value = button.textContent;
    ui.prompt.focus();
  });
}

let tokenTimer = 0;
ui.token.addEventListener('input', () => {
  ui.settings.classList.toggle('has-token', Boolean(token()));
  clearTimeout(tokenTimer);
  tokenTimer = setTimeout(loadAgents, 400);
});

(async () => {
  state.api = await discoverApi();
  ui.apiUrl.textContent = state.api;
  // ?session=<id> continues an existing conversation (a link someone shared).
  state.sessionId = new URLSearchParams(location.search).get('session') || '';
  showSession();
  await loadAgents();
  document.body.dataset.ready = 'true';
})();
