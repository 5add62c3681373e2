package orchestrator.scheduler;

import orchestrator.scheduler.vault.SealedRecord;

/**
 * Immutable, so safe to share between threads: a handler task's payload as stored, sealed (or plain in test mode).
 * A new {@code Payload} replaces the old one on every re-seal, so a fire that read one keeps a consistent triple.
 *
 * @param record   the sealed record.
 * @param recordId the id bound into the record's associated data, unique per registration.
 * @param version  the record's version, also bound into it; each re-seal moves to the next.
 */
record Payload(SealedRecord record, long recordId, long version)
{
}
