/**
 * Sealed callback records for production mode: {@link orchestrator.scheduler.vault.CallbackVault} seals task
 * payloads with a Bouncy Castle AEAD under a key from a {@link orchestrator.scheduler.vault.KeyProvider}, binds each
 * record to its task and version, and opens it only for the moment a handler runs. Nothing here uses Java
 * serialisation, and nothing here logs.
 */
package orchestrator.scheduler.vault;
