import { runCli } from './program';

// Exit explicitly: an open Temporal runtime (after `reins worker`) would otherwise keep the process alive.
runCli(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
