/**
 * A structural check of the JSON-RPC 2.0 envelope, equivalent to the SDK's `JSONRPCMessageSchema` for what the
 * transport decides on (request, notification, response, error) but without a zod parse on every message.
 * Method parameters are validated later by the SDK's own per-method schemas.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));

export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (!isObject(value) || value.jsonrpc !== '2.0') return false;
  if ('method' in value) {
    if (typeof value.method !== 'string') return false;
    if ('params' in value && value.params !== undefined && !isObject(value.params)) return false;
    if ('id' in value && !isId(value.id)) return false;
    return !('result' in value) && !('error' in value);
  }
  if ('result' in value) return isId(value.id) && isObject(value.result) && !('error' in value);
  if ('error' in value) {
    const e = value.error;
    return (value.id === undefined || isId(value.id)) && isObject(e) && Number.isInteger(e.code) && typeof e.message === 'string';
  }
  return false;
}

/** For messages that passed `isJsonRpcMessage` (or come from the SDK): cheap kind tests, no schema parse. */
export const isRequest = (m: JSONRPCMessage): m is JSONRPCMessage & { id: string | number; method: string } =>
  'method' in m && 'id' in m && m.id !== undefined;
export const isResponse = (m: JSONRPCMessage): boolean => !('method' in m) && ('result' in m || 'error' in m);
export const isInitialize = (m: JSONRPCMessage): boolean => isRequest(m) && m.method === 'initialize';
