/** The environment a client reads its store from, with the schema it was given in code over REINS_STORE_SCHEMA. */
export function storeEnv(options: { storeSchema?: string }, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return options.storeSchema === undefined ? env : { ...env, REINS_STORE_SCHEMA: options.storeSchema };
}
