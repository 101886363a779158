import { avatarUrl } from '../avatars/avatar-deps';
import type { OwnedItemsRepository } from '../storage/owned-items';
import type { SessionDeps } from './account-deps';
import { authenticate } from './authenticate';
import { identifierViews } from './user-view';

export interface ExportDeps extends SessionDeps {
  readonly ownedItems: Pick<OwnedItemsRepository, 'readAll'>;
}

/** Version of the export's layout: a consumer can tell a later layout from this one. */
export const EXPORT_FORMAT = 'halo-account-export/1';

/**
 * What Halo stores about a user and leaves out of the export on purpose, with why: the export is meant to be
 * handed to another service or kept by the user, so nothing in it may let its holder act as the user.
 */
export const NOT_EXPORTED: readonly string[] = [
  'the password hash (argon2id): a secret, and of no use outside Halo',
  'refresh tokens: stored only as SHA-256 hashes, which are secrets too; each session lists its tokens\' dates instead',
  'login and sign-up abuse counters: kept under hashes of identifiers and network addresses, not per account, and forgotten within hours',
  'the avatar image itself: download it from avatar.url',
];

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * `GET /api/user/export` (GDPR Art. 20, data portability): everything Halo stores about the caller, read from
 * every item the user owns (the byUser index, then each item whole). Each kind of item is mapped field by field:
 * an attribute is exported only when it is named here, so a secret added to an item later never leaks by default,
 * and an item of a kind this does not know is still listed (`otherRecords`), so nothing is silently missing.
 */
export async function exportAccount(deps: ExportDeps, accessToken: string): Promise<{ export: AccountExport }> {
  const { user, claims } = await authenticate(deps, accessToken);
  const items = await deps.ownedItems.readAll(user.id);
  const ofKind = (prefix: string) => items.filter((item) => String(item.gsi1sk ?? '').startsWith(prefix));

  const tokens = ofKind('RT#');
  const sessions = ofKind('RTF#')
    .map((session) => ({
      id: String(session.id),
      clientId: String(session.clientId),
      current: session.id === claims.sessionId,
      createdAt: text(session.createdAt),
      lastUsedAt: text(session.lastUsedAt),
      endsAt: text(session.endsAt),
      endedAt: text(session.revokedAt),
      endedFor: text(session.revokedFor),
      refreshTokens: tokens
        .filter((token) => token.sessionId === session.id)
        .map((token) => ({ expiresAt: String(token.expiresAt), rotatedAt: text(token.rotatedAt) }))
        .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt)),
    }))
    .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));

  const known = ['USER', 'IDENT#', 'RT#', 'RTF#', 'CONN#', 'UPLOAD#'];
  return {
    export: {
      format: EXPORT_FORMAT,
      exportedAt: deps.clock().toISOString(),
      account: { id: user.id, status: user.status, registeredAt: user.registeredAt, passwordChangedAt: user.passwordChangedAt ?? null },
      identifiers: identifierViews(user),
      avatar: user.avatarVersion ? { url: avatarUrl(deps.settings.publicBaseUrl, user.id, user.avatarVersion), version: user.avatarVersion } : null,
      sessions,
      sockets: ofKind('CONN#')
        .map((socket) => ({ connectionId: String(socket.connectionId), connectedAt: String(socket.connectedAt), sessionId: text(socket.sessionId) }))
        .sort((a, b) => a.connectedAt.localeCompare(b.connectedAt)),
      uploadForms: ofKind('UPLOAD#')
        .map((grant) => ({ uploadId: String(grant.uploadId), expiresAt: String(grant.expiresAt), inUse: grant.claimedBy !== undefined }))
        .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt)),
      otherRecords: items
        .map((item) => String(item.gsi1sk ?? ''))
        .filter((kind) => !known.some((prefix) => kind === prefix || (prefix.endsWith('#') && kind.startsWith(prefix))))
        .map((kind) => ({ kind: kind.split('#')[0] ?? kind })),
      notIncluded: NOT_EXPORTED,
    },
  };
}

export interface AccountExport {
  readonly format: typeof EXPORT_FORMAT;
  readonly exportedAt: string;
  readonly account: { readonly id: string; readonly status: string; readonly registeredAt: string; readonly passwordChangedAt: string | null };
  readonly identifiers: ReturnType<typeof identifierViews>;
  readonly avatar: { readonly url: string; readonly version: string } | null;
  readonly sessions: readonly ExportedSession[];
  readonly sockets: readonly { connectionId: string; connectedAt: string; sessionId: string | null }[];
  readonly uploadForms: readonly { uploadId: string; expiresAt: string; inUse: boolean }[];
  readonly otherRecords: readonly { kind: string }[];
  readonly notIncluded: readonly string[];
}

interface ExportedSession {
  readonly id: string;
  readonly clientId: string;
  readonly current: boolean;
  readonly createdAt: string | null;
  readonly lastUsedAt: string | null;
  readonly endsAt: string | null;
  readonly endedAt: string | null;
  readonly endedFor: string | null;
  readonly refreshTokens: readonly { expiresAt: string; rotatedAt: string | null }[];
}
