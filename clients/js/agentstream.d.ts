// Types for agentstream.js (the AgentStream browser and Node client).

/** Seed 001's prompt request: `POST {url}/`. Extra fields are passed to the agent as they are. */
export interface PromptRequest {
  prompt: string;
  /** A `sessionId` from an earlier answer's metadata, to continue that conversation. */
  session_id?: string;
  agent?: string;
  [field: string]: unknown;
}

export interface ChatMessage {
  role: 'user' | 'assistant' | 'system' | 'tool';
  content: string | Array<{ type: string; text?: string; [field: string]: unknown }>;
}

/** Seed 000's chat request: `POST {url}/api/streaming/stream` with `Accept: text/event-stream`. */
export interface ChatRequest {
  agentName: string;
  messages: ChatMessage[];
  threadId?: string;
  runId?: string;
  resourceId?: string;
  temperature?: number;
  topP?: number;
  maxSteps?: number;
  /** The agent's own retry setting (Mastra); the client's retries are `StreamAgentOptions.retries`. */
  maxRetries?: number;
  [field: string]: unknown;
}

export type AgentRequest = PromptRequest | ChatRequest;

/** Where a call failed: an HTTP error answer, no answer, an `error` frame, the caller's abort, or a malformed/truncated stream. */
export type AgentStreamErrorKind = 'http' | 'network' | 'stream' | 'aborted' | 'protocol';

export interface CancelResult {
  ok: boolean;
  /** 202 when the agent is stopping; 404 unknown agent; 501 for an agent that cannot be stopped. */
  status: number;
  body: Record<string, unknown> | null;
}

export class AgentStreamError extends Error {
  constructor(init: {
    kind: AgentStreamErrorKind;
    message: string;
    status?: number;
    code?: string;
    retryable?: boolean;
    fields?: string[];
    body?: Record<string, unknown> | null;
    cause?: unknown;
  });
  readonly name: 'AgentStreamError';
  kind: AgentStreamErrorKind;
  /** HTTP status for `http` errors, else 0. */
  status: number;
  /** `validation`, `unauthorized`, `payload_too_large`, an upstream code (`Throttling`), an `error_code` of an error frame, `network`, `token_unavailable`, `truncated`, `aborted`, ... */
  code: string;
  /** Whether trying again may help. */
  retryable: boolean;
  /** The request fields a 400 named. */
  fields: string[];
  /** The parsed JSON error body (or error frame), when there was one. */
  body: Record<string, unknown> | null;
  /** Milliseconds from a `Retry-After` header, when the answer had one (and CORS exposed it). */
  retryAfterMs?: number;
  /** On `aborted` errors after which a cancel request went out: its answer, or null if it failed. */
  cancellation: Promise<CancelResult | null> | null;
}

export interface Metadata {
  requestId: string;
  sessionId: string;
  agent: string;
  frame: MetadataFrame;
}

export interface Status {
  /** `connecting` after metadata, `waiting` while the agent is silent, `streaming` before the first chunk; other values may come. */
  phase: 'connecting' | 'waiting' | 'streaming' | (string & {});
  /** Milliseconds since the function received the request. */
  elapsedMs: number | null;
  frame: StatusFrame;
}

export interface MetadataFrame { type: 'metadata'; request_id: string; session_id: string; agent: string; [field: string]: unknown }
export interface StatusFrame { type: 'status'; phase: string; elapsed_ms: number; [field: string]: unknown }
export interface ChunkFrame { type: 'chunk'; data: ChunkData; [field: string]: unknown }
export interface CompleteFrame { type: 'complete'; execution_time_ms: number; [field: string]: unknown }
export interface ErrorFrame { type: 'error'; error_code: string; error_message: string; retryable: boolean; [field: string]: unknown }
export type Frame = MetadataFrame | StatusFrame | ChunkFrame | CompleteFrame | ErrorFrame | { type?: unknown; [field: string]: unknown };

/** A string for agent text, an object for structured events (tool calls, AgentCore events). */
export type ChunkData = string | Record<string, unknown> | unknown[] | number | boolean | null;

export interface StreamResult {
  requestId: string;
  sessionId: string;
  agent: string;
  /** All string chunks joined. */
  text: string;
  /** Every chunk's data in order, strings and objects. */
  chunks: ChunkData[];
  executionTimeMs: number;
}

export type TokenGetter = () => string | null | undefined | Promise<string | null | undefined>;

export interface AuthOptions {
  /** A bearer token sent as `Authorization: Bearer <token>`. */
  token?: string | null;
  /** Called before every attempt (Clerk's `useAuth().getToken`); wins over `token`. */
  getToken?: TokenGetter;
  /** A fetch to use instead of `globalThis.fetch`. */
  fetch?: typeof fetch;
}

export interface ClientDefaults extends AuthOptions {
  /** The Function URL, e.g. `https://abc.lambda-url.us-east-1.on.aws/` or `http://127.0.0.1:9000`. */
  url: string;
  retries?: number;
  retryDelayMs?: number;
  retryMaxDelayMs?: number;
  headers?: Record<string, string>;
  cancelOnAbort?: boolean;
}

export interface StreamAgentOptions extends ClientDefaults {
  request: AgentRequest;
  /** Aborting ends the stream with an `aborted` error and, when the session is known, calls the cancel route. */
  signal?: AbortSignal;
  onMetadata?(metadata: Metadata): void;
  onStatus?(status: Status): void;
  onChunk?(data: ChunkData, frame: ChunkFrame): void;
  onComplete?(result: StreamResult): void;
  onError?(error: AgentStreamError): void;
  /** Frames of types this client does not know. */
  onFrame?(frame: Frame, info: { event: string; id: string }): void;
  /** Comment lines, such as `: keep-alive` heartbeats. */
  onComment?(text: string): void;
}

/** Streams one request; rejects with the same AgentStreamError it passes to `onError`. */
export function streamAgent(options: StreamAgentOptions): Promise<StreamResult>;

export interface CancelOptions extends AuthOptions {
  url: string;
  sessionId: string;
  agent?: string;
  signal?: AbortSignal;
}

/** `POST {url}/api/streaming/cancel`: stop the agent's session. */
export function cancelSession(options: CancelOptions): Promise<CancelResult>;

/** `GET {url}/api/streaming/agents`. */
export function listAgents(options: AuthOptions & { url: string; signal?: AbortSignal }): Promise<string[]>;

// --- Seed 001 compatibility (frontend/services/api.ts) ----------------------------------------

export interface InvokeRequest {
  prompt: string;
  session_id?: string;
  [field: string]: unknown;
}

export interface InvokeResponse {
  status: 'success' | 'error';
  request_id: string;
  session_id: string;
  execution_time_ms: number;
  timestamp: string;
  assessment?: any;
  chunks?: any[];
  error?: string;
}

export type APIErrorTypeName =
  | 'NETWORK_ERROR' | 'AUTH_ERROR' | 'TIMEOUT_ERROR' | 'RATE_LIMIT_ERROR'
  | 'VALIDATION_ERROR' | 'SERVER_ERROR' | 'UNKNOWN_ERROR';

export interface APIError {
  type: APIErrorTypeName;
  message: string;
  statusCode?: number;
  retryable: boolean;
  details?: any;
}

export type InvokeStreamingOptions = Omit<ClientDefaults, 'url'> & { url: string; signal?: AbortSignal };

/** Seed 001's `invokeStreaming`: same callbacks and InvokeResponse; never rejects. */
export function invokeStreaming(
  request: InvokeRequest | AgentRequest,
  onChunk: (chunk: any) => void,
  onComplete: (response: InvokeResponse) => void,
  onError: (error: APIError) => void,
  options: InvokeStreamingOptions,
): Promise<void>;

/** Seed 001's APIError for any error this client raises. */
export function toAPIError(error: unknown): APIError;

export interface AgentStreamClient {
  streamAgent(options: Omit<StreamAgentOptions, 'url'> & { url?: string }): Promise<StreamResult>;
  invokeStreaming(
    request: InvokeRequest | AgentRequest,
    onChunk: (chunk: any) => void,
    onComplete: (response: InvokeResponse) => void,
    onError: (error: APIError) => void,
  ): Promise<void>;
  cancelSession(options: Omit<CancelOptions, 'url'> & { url?: string }): Promise<CancelResult>;
  listAgents(options?: AuthOptions & { url?: string; signal?: AbortSignal }): Promise<string[]>;
}

/** A URL and auth bound once; `invokeStreaming` then has seed 001's exact four arguments. */
export function createClient(defaults: ClientDefaults): AgentStreamClient;
