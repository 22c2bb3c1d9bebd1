// Errors are shown by their extensions.code, the server's stable contract;
// the message is for people and may change.
import { CombinedGraphQLErrors, ServerError, ServerParseError } from '@apollo/client';

/** One error to show: the code, and what it means for the user. */
export interface Shown {
  code: string;
  message: string;
}

// What the app tells the user for the codes it can meet. Others show the
// server's message.
const advice: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended. Log in again.',
  INVALID_CREDENTIALS: 'Wrong email or password.',
  MFA_REQUIRED: 'This account needs multi-factor authentication, which this app does not support.',
  ACCOUNT_BLOCKED: 'This account is blocked.',
  PASSWORD_RESET_REQUIRED: 'Reset your password before logging in.',
  RATE_LIMITED: 'Too many attempts. Wait a minute and try again.',
  NOT_FOUND: 'That post no longer exists.',
  FORBIDDEN: 'You may not do that.',
  BAD_USER_INPUT: 'The input was refused.',
  AUTH_PROVIDER_UNAVAILABLE: 'Sign-in is unavailable right now. Try again shortly.',
  SERVICE_UNAVAILABLE: 'The service is unavailable right now. Try again shortly.',
  TIMEOUT: 'The server took too long. Try again.',
};

/** describe turns whatever Apollo Client raised into the errors to show. */
export function describe(error: unknown): Shown[] {
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors.map((e) => {
      const code = typeof e.extensions?.code === 'string' ? e.extensions.code : 'GRAPHQL_ERROR';
      return { code, message: advice[code] ?? e.message };
    });
  }
  if (ServerError.is(error) || ServerParseError.is(error)) {
    return [{ code: `HTTP_${error.statusCode}`, message: 'The server answered with an error.' }];
  }
  // fetch rejects with a TypeError when the server is unreachable or CORS
  // refused this origin; the browser's console says which.
  return [{ code: 'NETWORK_ERROR', message: 'The server could not be reached.' }];
}
