import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleIdentity } from './identity';

/**
 * How people sign in to the console. The static-token mode checks a token typed into the sign-in page; an identity
 * provider (OpenID Connect) plugs in here too, through `handle` for its own routes (redirect, callback).
 */
export interface ConsoleAuth {
  /** Shown on the sign-in page ("access token", "your organisation's sign-in"). */
  readonly label: string;
  /** Whether the sign-in page asks for a token (static mode) or only links to `handle`'s start route. */
  readonly asksForToken: boolean;
  /** The identity a token proves, or undefined when it proves nothing. */
  verifyToken(token: string): Promise<ConsoleIdentity | undefined>;
  /**
   * Routes of the auth mode's own under /auth/ (an OIDC redirect and callback); returns false for a route it does not
   * serve. `signIn` starts a session for an identity it has verified and answers with the redirect.
   */
  handle?(
    request: IncomingMessage,
    response: ServerResponse,
    signIn: (identity: ConsoleIdentity) => void,
  ): Promise<boolean>;
}
