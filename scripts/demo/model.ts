import { startScriptedModel } from '../../testing/scripted-model';
import { demoScript } from './demo-script';

export interface DemoModel {
  offline: boolean;
  /** Environment for the worker's model settings. */
  env: NodeJS.ProcessEnv;
  description: string;
  close(): Promise<void>;
}

/**
 * A configured provider (OPENAI_API_KEY, or OPENAI_BASE_URL for a keyless local server) is used as it is; without
 * one the demo runs offline against the scripted OpenAI-compatible server, through the same SDK and activities.
 */
export async function prepareModel(env: NodeJS.ProcessEnv): Promise<DemoModel> {
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) {
    return {
      offline: false,
      env: {},
      description: `the model provider at ${env.OPENAI_BASE_URL || 'https://api.openai.com/v1'}`,
      close: async () => {},
    };
  }
  const server = await startScriptedModel({ script: demoScript });
  return {
    offline: true,
    env: { OPENAI_BASE_URL: server.url, REINS_MODEL_PROVIDER: 'scripted' },
    description: `the scripted model at ${server.url} (offline: no OPENAI_API_KEY set)`,
    close: () => server.close(),
  };
}
