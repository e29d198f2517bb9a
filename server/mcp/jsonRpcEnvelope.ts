/**
 * The structural check of client messages, done once at the HTTP edge of every mode. It accepts exactly what the
 * SDK's `JSONRPCMessageSchema` accepts (strict envelopes, safe-integer ids, `_meta` as the SDK types it) but
 * without a zod parse per message, and names the field at fault. Anything the SDK would later drop unseen must be
 * refused here: a dropped request is never answered (test/hardening/envelope-agrees-with-sdk.test.ts holds the two
 * in agreement). Method parameters are validated later by the SDK's own per-method schemas, which answer errors.
 */
import { type JSONRPCMessage, type RequestId, RELATED_TASK_META_KEY } from '@modelcontextprotocol/sdk/types.js';

/** Most messages in one POST body, on every endpoint: the SDK transport's bound. */
export const MAX_BATCH_SIZE = 100;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The SDK's `z.number().int()` is a safe integer: an id of 1e308 is dropped by its schema. */
const isInt = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v);
const isId = (v: unknown) => typeof v === 'string' || isInt(v);

/** Top-level members each kind may carry (the SDK's envelope schemas are strict). */
const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const NOTIFICATION_KEYS = new Set(['jsonrpc', 'method', 'params']);
const RESULT_KEYS = new Set(['jsonrpc', 'id', 'result']);
const ERROR_KEYS = new Set(['jsonrpc', 'id', 'error']);

/** The first member not allowed, if any. */
function extraKey(value: Record<string, unknown>, allowed: Set<string>): string | undefined {
  for (const key in value) if (Object.hasOwn(value, key) && !allowed.has(key)) return key;
  return undefined;
}

/** `_meta` as the SDK's request, notification and result schemas type it; returns the bad field. */
function metaProblem(meta: unknown, at: string): string | undefined {
  if (meta === undefined) return undefined;
  if (!isObject(meta)) return at;
  if (Object.hasOwn(meta, 'progressToken') && !isId(meta.progressToken)) return `${at}.progressToken`;
  if (Object.hasOwn(meta, RELATED_TASK_META_KEY)) {
    const task = meta[RELATED_TASK_META_KEY];
    if (!isObject(task)) return `${at}.${RELATED_TASK_META_KEY}`;
    if (typeof task.taskId !== 'string') return `${at}.${RELATED_TASK_META_KEY}.taskId`;
  }
  return undefined;
}

/**
 * Why `value` is not a JSON-RPC message the SDK accepts — the name of the field at fault (`id`,
 * `params._meta.progressToken`…) — or undefined when it is one.
 */
export function envelopeProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'message';
  if (value.jsonrpc !== '2.0') return 'jsonrpc';
  if (Object.hasOwn(value, 'method')) {
    if (typeof value.method !== 'string') return 'method';
    const isRequest = Object.hasOwn(value, 'id');
    if (isRequest && !isId(value.id)) return 'id';
    const extra = extraKey(value, isRequest ? REQUEST_KEYS : NOTIFICATION_KEYS);
    if (extra !== undefined) return extra;
    if (!Object.hasOwn(value, 'params')) return undefined;
    if (!isObject(value.params)) return 'params';
    return metaProblem(value.params._meta, 'params._meta');
  }
  if (Object.hasOwn(value, 'result')) {
    if (!isId(value.id)) return 'id';
    const extra = extraKey(value, RESULT_KEYS);
    if (extra !== undefined) return extra;
    if (!isObject(value.result)) return 'result';
    return metaProblem(value.result._meta, 'result._meta');
  }
  if (Object.hasOwn(value, 'error')) {
    if (Object.hasOwn(value, 'id') && !isId(value.id)) return 'id';
    const extra = extraKey(value, ERROR_KEYS);
    if (extra !== undefined) return extra;
    const e = value.error;
    if (!isObject(e)) return 'error';
    if (!isInt(e.code)) return 'error.code';
    if (typeof e.message !== 'string') return 'error.message';
    return undefined;
  }
  return 'method';
}

export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  return envelopeProblem(value) === undefined;
}

/**
 * Checks a POST body (one message or a batch) as every endpoint must: 1 to MAX_BATCH_SIZE messages, each one the
 * SDK accepts, no request id twice. Returns the messages, or the client-facing reason they are refused.
 */
export function checkBatch(
  body: unknown,
): { messages: JSONRPCMessage[] } | { refusal: { code: number; message: string } } {
  const items = Array.isArray(body) ? body : [body];
  const invalid = (message: string) => ({ refusal: { code: INVALID_REQUEST, message: `Invalid Request: ${message}` } });
  if (items.length === 0) return invalid('empty batch');
  if (items.length > MAX_BATCH_SIZE) return invalid(`Batch must not exceed ${MAX_BATCH_SIZE} messages`);
  for (let i = 0; i < items.length; i++) {
    const problem = envelopeProblem(items[i]);
    if (problem !== undefined) {
      // The SDK transport's code and wording for the same refusal (in-memory stateful mode), plus the field.
      const where = Array.isArray(body) ? ` (message ${i})` : '';
      return {
        refusal: {
          code: PARSE_ERROR,
          message: `Parse error: Invalid JSON-RPC message${where}: invalid or unexpected field "${clip(problem)}"`,
        },
      };
    }
  }
  const messages = items as JSONRPCMessage[];
  const duplicate = duplicateRequestId(messages);
  if (duplicate !== undefined)
    return invalid(`request id ${clip(JSON.stringify(duplicate))} appears twice in the batch`);
  return { messages };
}

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

/**
 * A request id used twice in one batch: the answers could not be told apart, and a transport keyed by id would
 * lose one. Ids `1` and `"1"` are different ids (as for the SDK).
 */
export function duplicateRequestId(messages: readonly unknown[]): RequestId | undefined {
  const seen = new Set<RequestId>();
  for (const m of messages) {
    if (!isObject(m) || !Object.hasOwn(m, 'method') || !isId(m.id)) continue;
    const id = m.id as RequestId;
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

/** Field names come from the client: bounded in the answer. */
const clip = (s: string) => (s.length > 100 ? `${s.slice(0, 100)}…` : s);

/** For messages that passed `isJsonRpcMessage` (or come from the SDK): cheap kind tests, no schema parse. */
export const isRequest = (m: JSONRPCMessage): m is JSONRPCMessage & { id: string | number; method: string } =>
  'method' in m && 'id' in m && m.id !== undefined;
export const isResponse = (m: JSONRPCMessage): boolean => !('method' in m) && ('result' in m || 'error' in m);
export const isInitialize = (m: JSONRPCMessage): boolean => isRequest(m) && m.method === 'initialize';
