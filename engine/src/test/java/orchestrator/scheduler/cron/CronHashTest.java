package orchestrator.scheduler.cron;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jenkins-style H fields: reproducible per task name (pinned values, so a change of hash is caught), spread evenly
 * over the field's range, honouring ranges and steps; and the parse cache.
 */
class CronHashTest
{
    private static final long JAN_1_2024 = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();

    private static int minuteOf(final CronSchedule schedule)
    {
        return Instant.ofEpochMilli(schedule.nextAfterEpochMilli(JAN_1_2024)).atZone(ZoneOffset.UTC).getMinute();
    }

    @Test
    void shouldPinHashValuesAcrossRuns()
    {
        // FNV-1a 64 over UTF-16 code units (low byte, high byte): 'a' is the bytes 0x61 0x00. These values are part
        // of the contract; a change would move every H task.
        assertEquals(0x089BE207B544F1E4L, TaskHash.of("a"));
        assertEquals(0xcbf29ce484222325L, TaskHash.of(""));
        final CronSchedule template = CronSchedule.parse("H * * * *", ZoneOffset.UTC);
        assertEquals(minuteOf(template.forTask("backup")), minuteOf(CronSchedule.parse("H * * * *", ZoneOffset.UTC).forTask("backup")));
    }

    @Test
    void shouldSpreadTasksOverTheHour()
    {
        final CronSchedule template = CronSchedule.parse("H * * * *", ZoneOffset.UTC);
        final int[] perMinute = new int[60];
        final int tasks = 60_000;
        for (int i = 0; i < tasks; i++)
        {
            perMinute[minuteOf(template.forTask("task-" + i))]++;
        }
        for (int minute = 0; minute < 60; minute++)
        {
            // expected 1000 per minute; 5 sigma of a binomial(60000, 1/60) is about 160
            assertTrue(Math.abs(perMinute[minute] - 1000) < 160, "minute " + minute + " has " + perMinute[minute]);
        }
    }

    @Test
    void shouldHonourHashRangesAndSteps()
    {
        for (int i = 0; i < 2000; i++)
        {
            final CronSchedule ranged = CronSchedule.parse("H(10-19) H(2-4) * * *", ZoneOffset.UTC).forTask("t" + i);
            final ZonedDateTime fire = Instant.ofEpochMilli(ranged.nextAfterEpochMilli(JAN_1_2024)).atZone(ZoneOffset.UTC);
            assertTrue(fire.getMinute() >= 10 && fire.getMinute() <= 19, fire.toString());
            assertTrue(fire.getHour() >= 2 && fire.getHour() <= 4, fire.toString());

            final CronSchedule stepped = CronSchedule.parse("H/15 * * * *", ZoneOffset.UTC).forTask("t" + i);
            final int first = Instant.ofEpochMilli(stepped.nextAfterEpochMilli(JAN_1_2024 - 1)).atZone(ZoneOffset.UTC).getMinute();
            assertTrue(first < 15, "first minute " + first);
            final long a = stepped.nextAfterEpochMilli(JAN_1_2024);
            assertEquals(15 * 60_000L, stepped.nextAfterEpochMilli(a) - a);

            final CronSchedule dom = CronSchedule.parse("0 0 H * *", ZoneOffset.UTC).forTask("t" + i);
            final int day = Instant.ofEpochMilli(dom.nextAfterEpochMilli(JAN_1_2024)).atZone(ZoneOffset.UTC).getDayOfMonth();
            assertTrue(day >= 1 && day <= 28, "bare H in day-of-month stays in 1-28: " + day);
        }
    }

    @Test
    void shouldBindEveryDialectAndField()
    {
        final CronSchedule quartz = CronSchedule.parse("H H H ? * H H(2030-2035)", CronDialect.QUARTZ, ZoneOffset.UTC).forTask("x");
        final ZonedDateTime fire = quartz.nextAfter(ZonedDateTime.parse("2024-01-01T00:00Z")).orElseThrow();
        assertTrue(fire.getYear() >= 2030 && fire.getYear() <= 2035, fire.toString());
        assertSame(quartz, quartz.requireCanFire());
        final CronSchedule spring = CronSchedule.parse("H H H H H H", CronDialect.SPRING, ZoneOffset.UTC).forTask("y");
        assertTrue(spring.nextAfter(ZonedDateTime.parse("2024-01-01T00:00Z")).isPresent());
    }

    @Test
    void shouldRefuseFireTimesOfUnboundTemplate()
    {
        final CronSchedule template = CronSchedule.parse("H * * * *", ZoneOffset.UTC);
        assertThrows(IllegalStateException.class, () -> template.nextAfterEpochMilli(0));
        assertThrows(IllegalStateException.class, template::requireCanFire);
        final CronSchedule plain = CronSchedule.parse("5 * * * *", ZoneOffset.UTC);
        assertSame(plain, plain.forTask("anything"));
        assertEquals("x", template.forTask("x").taskName());
    }

    @Test
    void shouldShareCachedParses() throws Exception
    {
        final CronSchedule a = CronSchedule.parse("*/7 * * * *", ZoneOffset.UTC);
        assertSame(a, CronSchedule.parse("*/7 * * * *", CronDialect.UNIX, ZoneOffset.UTC, DstPolicy.CRON_DAEMON));
        assertNotSame(a, CronSchedule.parse("*/7 * * * *", CronDialect.UNIX, ZoneOffset.UTC, DstPolicy.of(DstPolicy.Gap.SKIP,
            DstPolicy.Overlap.BOTH)));

        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try
        {
            final CountDownLatch start = new CountDownLatch(1);
            final List<Future<CronSchedule>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++)
            {
                results.add(pool.submit(() ->
                {
                    start.await();
                    CronSchedule last = null;
                    for (int k = 0; k < 10_000; k++)
                    {
                        last = CronSchedule.parse("0 " + (k % 5) + " * * *", ZoneOffset.UTC);
                    }
                    return last;
                }));
            }
            start.countDown();
            for (final Future<CronSchedule> result : results)
            {
                assertEquals("0 4 * * *", result.get().expression());
            }
        }
        finally
        {
            pool.shutdownNow();
        }
        assertTrue(CronSchedule.cache().size() <= ScheduleCache.MAX_ENTRIES);
    }

    @Test
    void shouldStayBoundedWithManyDistinctExpressions()
    {
        for (int i = 0; i < ScheduleCache.MAX_ENTRIES + 500; i++)
        {
            CronSchedule.parse("0 0 " + (i % 28 + 1) + " * *", ZoneOffset.ofTotalSeconds(i % 3600 * 10));
        }
        assertTrue(CronSchedule.cache().size() <= ScheduleCache.MAX_ENTRIES, "size " + CronSchedule.cache().size());
    }

    @Test
    void shouldDescribeInPlainEnglish()
    {
        assertEquals("every 15 minutes", CronSchedule.parse("*/15 * * * *", ZoneOffset.UTC).describe().toLowerCase());
        final String hashed = CronSchedule.parse("H 3 * * *", ZoneOffset.UTC).describe();
        assertTrue(hashed.contains("H fields are picked per task name"), hashed);
        final String wrapped = CronSchedule.parse("0 0 22-2 * * ?", CronDialect.QUARTZ, ZoneOffset.UTC).describe();
        assertTrue(wrapped.contains("22") && wrapped.contains("2"), wrapped);
    }
}
