/**
 * Cron expressions: {@link orchestrator.scheduler.cron.CronSchedule} parses the UNIX, SPRING and QUARTZ dialects
 * (with Jenkins-style {@code H}), applies a {@link orchestrator.scheduler.cron.DstPolicy}, and computes fire times from
 * a compiled form (bit sets per field and epoch arithmetic) that allocates nothing. Parser, compiled form, DST
 * resolution and the parse cache are package-private.
 */
package orchestrator.scheduler.cron;
