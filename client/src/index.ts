export { HaloClient, type HaloClientOptions, type ImageBody, type UploadOptions } from './client';
export { HaloError, SessionEndedError } from './errors';
export { LiveSocket, type LiveSocketEvents, type LiveSocketOptions, type WebSocketConstructor, type WebSocketLike } from './socket';
export { localStorageTokenStore, memoryTokenStore, type StoredTokens, type TokenStore } from './token-store';
export type * from './types';
export type { paths as HttpPaths, components as HttpComponents } from './generated/openapi';
