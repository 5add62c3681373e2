package orchestrator.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what the scheduler logs through {@code System.Logger}, which the JDK backs with java.util.logging.
 */
final class LogCapture extends Handler implements AutoCloseable
{
    private final Logger logger;
    private final List<LogRecord> records = new ArrayList<>();

    LogCapture()
    {
        logger = Logger.getLogger(Scheduler.class.getName());
        logger.addHandler(this);
        setLevel(Level.ALL);
    }

    @Override
    public synchronized void publish(final LogRecord record)
    {
        records.add(record);
    }

    synchronized List<LogRecord> records()
    {
        return new ArrayList<>(records);
    }

    synchronized long count(final Level level, final String fragment)
    {
        return records.stream()
            .filter(r -> r.getLevel().equals(level))
            .filter(r -> String.valueOf(r.getMessage()).contains(fragment))
            .count();
    }

    @Override
    public void flush()
    {
    }

    @Override
    public void close()
    {
        logger.removeHandler(this);
    }
}
