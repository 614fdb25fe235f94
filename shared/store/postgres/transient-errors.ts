/** SQLSTATE classes and codes a moment later may not share: the connection, the server's state, a lost race. */
const TRANSIENT_CLASSES = ['08']; // connection exception
const TRANSIENT_CODES = new Set([
  '57P01', // admin_shutdown: the backend was terminated (a failover, a restart)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
/** Node's socket errors for a server that went away or did not answer. */
const TRANSIENT_SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);
/** pg's own words for a connection lost or not made in time (it gives these no code). */
const TRANSIENT_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error/,
];

/** Whether a store query's failure is worth asking again a moment later (a dropped connection, a restart). */
export function isTransientStoreError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (TRANSIENT_CODES.has(code) || TRANSIENT_SOCKET_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_CLASSES.includes(code.slice(0, 2))) return true;
  }
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(error.message));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `work`, asked again (`attempts` in all, pausing `backoffMs`, then twice that...) while it fails in a way a moment
 * later may not share; any other failure, or the last one, is thrown as it is.
 */
export async function retryTransient<T>(
  work: () => Promise<T>,
  { attempts = 3, backoffMs = 200 }: { attempts?: number; backoffMs?: number } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransientStoreError(error)) throw error;
      await pause(backoffMs * 2 ** (attempt - 1));
    }
  }
}
