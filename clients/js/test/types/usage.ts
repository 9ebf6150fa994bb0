// Compiled with `tsc --noEmit` (make test-js): agentstream.d.ts must accept real usage and reject misuse.
import {
  streamAgent, invokeStreaming, createClient, cancelSession, listAgents, toAPIError, AgentStreamError,
  type StreamResult, type InvokeResponse, type APIError, type Status, type ChunkData, type AgentStreamErrorKind,
} from '../../agentstream.js';

async function prompt(signal: AbortSignal): Promise<string> {
  const result: StreamResult = await streamAgent({
    url: 'https://abc.lambda-url.us-east-1.on.aws/',
    request: { prompt: 'Flight EY123 delayed', session_id: 'x'.repeat(36), agent: 'default' },
    getToken: async () => 'jwt',
    signal,
    retries: 3,
    retryDelayMs: 250,
    onMetadata: (m) => console.log(m.sessionId, m.requestId, m.agent),
    onStatus: (s: Status) => console.log(s.phase === 'waiting' ? s.elapsedMs : s.phase),
    onChunk: (data: ChunkData, frame) => console.log(typeof data === 'string' ? data : frame.type),
    onComplete: (r) => console.log(r.executionTimeMs),
    onError: (e) => console.log(e.kind, e.status, e.code, e.retryable, e.fields.join(','), e.cancellation),
    onFrame: (frame, info) => console.log(frame.type, info.event),
  });
  return result.text + result.sessionId + result.chunks.length;
}

async function chat(): Promise<void> {
  await streamAgent({
    url: 'http://127.0.0.1:9000',
    token: 'jwt',
    request: { agentName: 'weather', threadId: 't'.repeat(40), messages: [{ role: 'user', content: 'Paris?' }], maxRetries: 1, temperature: 0.2 },
  });
}

function handle(error: unknown): string {
  if (error instanceof AgentStreamError) {
    const kind: AgentStreamErrorKind = error.kind;
    return `${kind} ${error.status} ${error.code} ${error.retryable ? 'retry' : 'final'} ${error.fields.length}`;
  }
  return String(error);
}

const api = createClient({ url: 'http://127.0.0.1:9000', getToken: () => null });
void api.invokeStreaming(
  { prompt: 'p', session_id: 's' },
  (chunk: any) => console.log(chunk),
  (response: InvokeResponse) => console.log(response.status, response.request_id, response.session_id, response.execution_time_ms, response.timestamp, response.assessment),
  (error: APIError) => console.log(error.type, error.message, error.statusCode, error.retryable),
);
void invokeStreaming({ prompt: 'p' }, () => {}, () => {}, () => {}, { url: 'http://127.0.0.1:9000', token: 't' });
void cancelSession({ url: 'http://127.0.0.1:9000', sessionId: 's', agent: 'default' }).then((r) => r.status === 202 && r.ok);
void listAgents({ url: 'http://127.0.0.1:9000' }).then((names: string[]) => names.length);
const apiError: APIError = toAPIError(new Error('x'));
void prompt; void chat; void handle; void apiError;

// Misuse the declarations must reject (each line is a compile error unless @ts-expect-error is right).
// @ts-expect-error url is required
void streamAgent({ request: { prompt: 'p' } });
// @ts-expect-error request is required
void streamAgent({ url: 'u' });
// @ts-expect-error a prompt is a string
void streamAgent({ url: 'u', request: { prompt: 42 } });
// @ts-expect-error seed 001's invokeStreaming needs the url in its options
void invokeStreaming({ prompt: 'p' }, () => {}, () => {}, () => {});
// @ts-expect-error kinds are a closed set
const badKind: AgentStreamErrorKind = 'timeout';
void badKind;
