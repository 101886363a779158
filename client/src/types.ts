import type { components as Http } from './generated/openapi';
import type { components as Socket } from './generated/asyncapi';

/** The types of Halo's answers and socket messages, from the generated files (never written by hand). */
type Schemas = Http['schemas'];
type Messages = Socket['schemas'];

export type User = Schemas['User'];
export type AccountExport = Schemas['AccountExport'];
export type AccountIdentifier = Schemas['AccountIdentifier'];
export type Session = Schemas['Session'];
export type TokenPair = Schemas['TokenPair'];
export type PresignedUpload = Schemas['PresignedUpload'];
export type Credentials = Schemas['Credentials'];
/** One of the account's live sessions (a device), as `GET /api/user/sessions` lists it. */
export type UserSession = Schemas['UserSession'];
export type OAuthErrorBody = Schemas['OAuthError'];
export type JSendFail = Schemas['JSendFail'];
export type JSendErrorBody = Schemas['JSendError'];

export type AvatarChanged = Messages['AvatarChanged'];
export type AvatarRejected = Messages['AvatarRejected'];
export type UserDeleted = Messages['UserDeleted'];
export type SessionEnded = Messages['SessionEnded'];
export type Reconnect = Messages['Reconnect'];
export type PasswordChanged = Messages['PasswordChanged'];
export type IdentifiersChanged = Messages['IdentifiersChanged'];
export type Pong = Messages['Pong'];
export type SocketError = Messages['Error'];
export type GatewayError = Messages['GatewayError'];
export type Ping = Messages['Ping'];

/** Every message Halo sends on the live socket that has a `type`. */
export type ServerMessage = AvatarChanged | AvatarRejected | UserDeleted | SessionEnded | PasswordChanged | IdentifiersChanged | Reconnect | Pong | SocketError;
