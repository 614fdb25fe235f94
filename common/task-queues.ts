/** Where agent-run workflows and their activities are polled unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'reins';
/** `npm start` runs its own worker here, so a worker on the default queue never serves the demo (or the reverse). */
export const DEMO_TASK_QUEUE = 'reins-demo';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
/** The local dev server's Web UI: the base of run links, and the origins allowed to call the codec server. */
export const DEFAULT_UI_URL = 'http://localhost:8233';
export const DEFAULT_CODEC_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];
/**
 * How long a client tries to reach the Temporal server before it gives up. Short enough that the CLI reports an
 * unreachable server within 3 s, startup included; a local or same-region server answers in milliseconds.
 */
export const DEFAULT_CONNECT_TIMEOUT = '2s';
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
