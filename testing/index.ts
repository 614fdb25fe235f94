// `reins/testing`: a scripted OpenAI-compatible model server for tests of your own agents and tools. Point the
// worker's model at `server.url` (OPENAI_BASE_URL, or `config.model.baseURL`) and script each turn's reply.
export * from './scripted-model';
export { answer, callTool, callTools } from './script-builders';
