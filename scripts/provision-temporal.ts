import { findOrInstallTemporalCli } from './temporal-cli';

findOrInstallTemporalCli({ log: (line) => console.log(line) }).then(
  (cli) => {
    if (cli.kind === 'path') console.log(`Temporal CLI (${cli.source}): ${cli.path}`);
    else console.log('Temporal CLI: none found; tests will let the Temporal SDK download a dev server');
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
