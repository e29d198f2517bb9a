/** `req.auth`: the authenticated caller, set by the auth layer and read by the MCP transports (SDK convention). */
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      auth?: AuthInfo;
    }
  }
}

export type { AuthInfo };
