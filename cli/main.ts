import { runCli } from './program';

/**
 * Resolves once everything written to `stream` so far has left the process. Writes to a pipe are asynchronous: exiting
 * right after a large write would cut it at whatever the reader had taken. A reader that went away (EPIPE, as with
 * `| head`) has nothing more to receive.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) {
      resolve();
      return;
    }
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

async function exit(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // Exit explicitly: an open Temporal runtime (after `reins worker`) would otherwise keep the process alive.
  process.exit(code);
}

// A reader that stops early (`reins list | head`) closes the pipe: what it did not read was not wanted, so the CLI ends
// quietly, as Unix tools do, instead of crashing on the unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

void runCli(process.argv).then(
  (code) => exit(code),
  (error: unknown) => {
    console.error(error);
    return exit(1);
  },
);
