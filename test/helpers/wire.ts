/**
 * Parsed JSON or YAML that a test or a fake reads field by field: an SDK request a fake receives, a
 * kubeconfig or config file a tool wrote. `any` on purpose and only here, so every such place is one
 * grep away: a wrong path fails the test's own assertion, and typing each document again would copy
 * the SDKs' and upstream tools' schemas into the tests.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WireDoc = any;
