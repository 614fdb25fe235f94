export { startConsole, type ConsoleOptions, type ConsoleServer } from './console-server';
export type { ConsoleAuth } from './console-auth';
export type { ConsoleIdentity } from './identity';
export { staticTokenAuth, consoleTokensFromEnv, parseConsoleTokens, type ConsoleTokens } from './static-tokens';
export { decideRefusal, mayDecide } from './authz';
