export {
  createMcpActivities,
  IDEMPOTENCY_META_KEY,
  type CallMcpToolInput,
  type ListMcpToolsInput,
  type McpActivities,
  type McpActivityDeps,
} from './activities';
export { closeAllMcpPools, McpPool, type McpPoolOptions } from './pool';
