package orchestrator.scheduler.cron;

/**
 * Immutable enum, safe from any thread: the cron syntaxes the engine understands.
 */
public enum CronDialect
{
    /** Five fields, minute first, as the Linux cron daemon reads them; macros such as {@code @hourly}. */
    UNIX,
    /** Six fields, seconds first, as Spring's {@code CronExpression} reads them. */
    SPRING,
    /** Six or seven fields (optional year), seconds first, day-of-week 1-7 with 1 = Sunday, as Quartz reads them. */
    QUARTZ
}
