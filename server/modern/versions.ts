/** Protocol revisions this server serves on one URL: 2026-07-28 (SDK v2) and the 2025/2024 ones (SDK v1). */
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

export const MODERN_PROTOCOL_VERSION = '2026-07-28';

export const SERVED_PROTOCOL_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS];
