/**
 * Where a scheduler keeps its tasks: {@link orchestrator.scheduler.store.TaskStore#inMemory()} (the default),
 * {@link orchestrator.scheduler.store.TaskStore#journal(java.nio.file.Path)} or, shared by a cluster of schedulers,
 * {@link orchestrator.scheduler.store.TaskStore#postgres(javax.sql.DataSource)}.
 * <p>
 * Public: {@code TaskStore} (a sealed interface whose factories are for applications and whose other methods are the
 * engine's), the records it keeps ({@code StoredTask}, {@code TaskProgress}), the engine's progress batches in columns
 * ({@code ProgressBatch}) and {@code TaskStoreException}; for the engine's cluster runtime, {@code ClusterStore}
 * (sealed) and its records {@code ClusterLease}, {@code ClusterClaim} and {@code ClusterCompletion}. Package-private
 * PostgreSQL side: {@code PostgresTaskStore} (the store calls on one writer thread), {@code PostgresSchema} (versioned
 * DDL under an advisory lock) and {@code PostgresCluster} (join, heartbeat, claim with {@code FOR UPDATE SKIP LOCKED},
 * fenced completions). Package-private: {@code InMemoryTaskStore}; the journal, {@code JournalTaskStore} (lifecycle and
 * the calls), {@code JournalWriter} (the one thread that writes: group commit and the encoding of progress batches),
 * {@code JournalSegment} (the segment appended to: forces, rolls, the cut back after a failed write),
 * {@code BatchFrames} (the frames of one write, progress frames as ranges of the codec's array, where they are encoded
 * in place), {@code JournalCompaction} (when to snapshot, and the snapshot written behind the writer on a thread of its
 * own), {@code JournalSnapshots} (writes a snapshot from a frozen copy of the state), {@code JournalRecovery} (on open:
 * the snapshot's tasks by name and progress, the log replayed into them, then each task decoded whole once; torn tails,
 * damage; {@code Halves} runs its reading and decoding on two threads), {@code Frames} (length, CRC32C, type),
 * {@code RecordWriter} (encodes record bodies, and a snapshot's frames one after the other in place),
 * {@code RecordCodec} (record layouts and decoding, whole or a row's name and progress only), {@code ProgressCodec}
 * (the keyed progress record, encoded in place, each slot named once per segment), {@code SegmentKeys} (what each key
 * of a keyed progress record stands for within its segment), {@code ReplayProgress} (progress replayed on open into
 * columns by task, found by the order of the entries before it, seeded with the snapshot's order), {@code JournalFiles}
 * (file names, lock, directory fsync, whole-file reads) and {@code StoreState} (the tasks by name as rows updated in
 * place, which replay and live writes update through the same operations; {@code RowIndex} finds a row by name).
 * <p>
 * Conventions: fields marked "guarded by lock" are read and written only while holding that class's lock; the journal's
 * {@code StoreState} is confined to the opening thread until the writer thread starts, then to the writer.
 */
package orchestrator.scheduler.store;
