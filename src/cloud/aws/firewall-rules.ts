/** Moved to src/cloud/common/firewall-rules.ts (shared by every cloud provider); kept so existing imports still work. */
export * from '../common/firewall-rules.js';
