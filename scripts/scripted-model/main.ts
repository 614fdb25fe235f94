import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { parseScript } from '../../testing/scripted-model/script';
import { startScriptedModel } from '../../testing/scripted-model/server';

const USAGE = 'usage: tsx scripts/scripted-model/main.ts --script <file.json> [--port N] [--host H] [--model NAME]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      script: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.script) throw new Error(`--script is required\n${USAGE}`);

  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got ${values.port}`);

  let json: unknown;
  try {
    json = JSON.parse(readFileSync(values.script, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${values.script}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const script = parseScript(json, values.script);

  const server = await startScriptedModel({ script, port, host: values.host, model: values.model });
  process.stdout.write(`scripted model listening on ${server.url}\n`);

  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
