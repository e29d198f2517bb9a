/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), served at the path-inserted URL clients try first
 * (`/.well-known/oauth-protected-resource/mcp`) and at the root form. Public metadata: readable from any origin.
 */
import { openCors } from '../../http/cors';
import { Router, type RequestHandler } from 'express';
import type { ResourceInfo } from './resourceInfo';

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: string[];
  resource_name?: string;
  resource_documentation?: string;
}

export function protectedResourceMetadata(
  info: ResourceInfo,
  authorizationServers: string[],
  scopes: readonly string[],
  resourceName?: string,
): ProtectedResourceMetadata {
  if (authorizationServers.length === 0) {
    throw new Error('Protected Resource Metadata needs at least one authorization server');
  }
  return {
    resource: info.resource,
    authorization_servers: authorizationServers,
    ...(scopes.length ? { scopes_supported: [...scopes] } : {}),
    bearer_methods_supported: ['header'],
    ...(resourceName ? { resource_name: resourceName } : {}),
  };
}

/** CORS for public, credential-free metadata documents: any origin may read them. */
export const openMetadataCors: RequestHandler = openCors(['GET']);

export function protectedResourceMetadataRoutes(info: ResourceInfo, metadata: ProtectedResourceMetadata): Router {
  const router = Router();
  const body = JSON.stringify(metadata);
  const serve: RequestHandler = (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('application/json').send(body);
  };
  for (const path of info.metadataPaths) {
    router.options(path, openMetadataCors);
    router.get(path, openMetadataCors, serve);
  }
  return router;
}
