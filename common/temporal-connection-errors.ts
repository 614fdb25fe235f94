/**
 * Errors of the connection to Temporal, shared by the client library, the CLI and the worker. Here rather than in
 * client/ or worker/ because both raise them and the CLI maps them to exit codes without loading either.
 */

/** The connection settings (flags, TEMPORAL_* variables, a config file profile) are invalid; names each setting. */
export class TemporalConnectionConfigError extends Error {
  override name = 'TemporalConnectionConfigError';
}

/** The Temporal server could not be reached or refused the connection; says where, why in plain words, and the fix. */
export class ServerUnreachableError extends Error {
  override name = 'ServerUnreachableError';
  /** What went wrong in plain words, without the address: `the server's certificate is not trusted...`. */
  readonly reason: string;

  constructor(
    readonly address: string,
    cause: unknown,
    reason?: string,
  ) {
    const said = cause instanceof Error ? cause.message : String(cause);
    super(
      `cannot reach the Temporal server at ${address}: ${reason ? `${reason} (${oneLine(said)})` : oneLine(said)}`,
      {
        cause,
      },
    );
    this.reason = reason ?? oneLine(said);
  }
}

/** SDK messages can span lines and carry Rust debug dumps; a message stays one readable line. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 400 ? `${flat.slice(0, 400)}…` : flat;
}
