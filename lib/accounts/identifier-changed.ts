import { fanOut } from '../sockets/fan-out';
import type { IdentifierChangeDeps } from './identifier-deps';
import type { IdentifierView } from './user-view';

/**
 * `identifiers.changed` to every open socket of the user (docs/asyncapi.yaml), after an add or a removal. Best
 * effort: the change is made and answered whatever happens to the message.
 */
export async function tellIdentifiersChanged(deps: IdentifierChangeDeps, userId: string, identifiers: readonly IdentifierView[]): Promise<void> {
  const message = { type: 'identifiers.changed', data: { identifiers: identifiers.map(({ type, value }) => ({ type, value })) } };
  await fanOut({ connections: deps.connections, sockets: deps.sockets, sessions: deps.session.sessions, clock: deps.session.clock }, userId, message).catch(
    () => undefined,
  );
}
