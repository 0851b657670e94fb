/** Moved to src/cloud/common/userdata.ts (shared by every cloud provider); kept so existing imports still work. */
export * from '../common/userdata.js';
