package orchestrator.scheduler.cron;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fire times across daylight-saving changes in both hemispheres, including zones where midnight does not exist on
 * the change day (Sao Paulo 2018, Santiago, Beirut, Havana) and a 30-minute change (Lord Howe), for fixed-hour
 * jobs under each policy and for interval-like jobs, which ignore the policy.
 */
class CronDstTest
{
    private static List<String> fires(
        final String expression, final String zone, final DstPolicy policy, final String from, final String to)
    {
        final ZoneId id = ZoneId.of(zone);
        final CronSchedule schedule = CronSchedule.parse(expression, id, policy);
        final ZonedDateTime end = OffsetDateTime.parse(to).atZoneSameInstant(id);
        final List<String> out = new ArrayList<>();
        ZonedDateTime at = OffsetDateTime.parse(from).atZoneSameInstant(id);
        for (;;)
        {
            final Optional<ZonedDateTime> next = schedule.nextAfter(at);
            if (next.isEmpty() || next.get().isAfter(end))
            {
                return out;
            }
            final long milli = schedule.nextAfterEpochMilli(at.toInstant().toEpochMilli());
            assertEquals(next.get().toInstant().toEpochMilli(), milli, "milli and zoned paths differ");
            out.add(next.get().toOffsetDateTime().toString());
            at = next.get();
        }
    }

    private static List<String> list(final String spaced)
    {
        return spaced.isBlank() ? List.of() : List.of(spaced.trim().split("\\s+"));
    }

    @ParameterizedTest(name = "[{index}] {0} {1} {2},{3}")
    @CsvSource(delimiter = '|', value = {
        // New York, spring forward 2024-03-10 02:00 -> 03:00
        "America/New_York    | 30 2 * * *     | SHIFT | FIRST  | 2024-03-09T12:00-05:00 | 2024-03-11T12:00-04:00 | 2024-03-10T03:00-04:00 2024-03-11T02:30-04:00",
        "America/New_York    | 30 2 * * *     | SKIP  | FIRST  | 2024-03-09T12:00-05:00 | 2024-03-11T12:00-04:00 | 2024-03-11T02:30-04:00",
        "America/New_York    | */15 2 * * *   | SHIFT | FIRST  | 2024-03-10T00:00-05:00 | 2024-03-10T12:00-04:00 | 2024-03-10T03:00-04:00",
        // New York, fall back 2024-11-03 02:00 -> 01:00
        "America/New_York    | 30 1 * * *     | SHIFT | FIRST  | 2024-11-03T00:00-04:00 | 2024-11-03T12:00-05:00 | 2024-11-03T01:30-04:00",
        "America/New_York    | 30 1 * * *     | SHIFT | SECOND | 2024-11-03T00:00-04:00 | 2024-11-03T12:00-05:00 | 2024-11-03T01:30-05:00",
        "America/New_York    | 30 1 * * *     | SKIP  | BOTH   | 2024-11-03T00:00-04:00 | 2024-11-03T12:00-05:00 | 2024-11-03T01:30-04:00 2024-11-03T01:30-05:00",
        "America/New_York    | 30 1 * * *     | SHIFT | SECOND | 2024-11-03T01:40-04:00 | 2024-11-03T12:00-05:00 | 2024-11-03T01:30-05:00",
        "America/New_York    | 30 1 * * *     | SHIFT | FIRST  | 2024-11-03T01:10-05:00 | 2024-11-04T12:00-05:00 | 2024-11-04T01:30-05:00",
        // Berlin (Spring dialect), spring 2024-03-31 02:00 -> 03:00, fall 2024-10-27 03:00 -> 02:00
        "Europe/Berlin       | 0 30 2 * * *   | SHIFT | FIRST  | 2024-03-30T12:00+01:00 | 2024-03-31T12:00+02:00 | 2024-03-31T03:00+02:00",
        "Europe/Berlin       | 0 30 2 * * *   | SKIP  | BOTH   | 2024-03-30T12:00+01:00 | 2024-03-31T12:00+02:00 | ''",
        "Europe/Berlin       | 0 30 2 * * *   | SKIP  | FIRST  | 2024-10-26T12:00+02:00 | 2024-10-27T12:00+01:00 | 2024-10-27T02:30+02:00",
        "Europe/Berlin       | 0 30 2 * * *   | SKIP  | SECOND | 2024-10-26T12:00+02:00 | 2024-10-27T12:00+01:00 | 2024-10-27T02:30+01:00",
        // Sydney (southern hemisphere, Quartz dialect): fall 2024-04-07 03:00 -> 02:00, spring 2024-10-06 02:00 -> 03:00
        "Australia/Sydney    | 0 30 2 * * ?   | SHIFT | BOTH   | 2024-04-06T12:00+11:00 | 2024-04-07T12:00+10:00 | 2024-04-07T02:30+11:00 2024-04-07T02:30+10:00",
        "Australia/Sydney    | 30 2 * * *     | SHIFT | FIRST  | 2024-10-05T12:00+10:00 | 2024-10-06T12:00+11:00 | 2024-10-06T03:00+11:00",
        "Australia/Sydney    | 30 2 * * *     | SKIP  | FIRST  | 2024-10-05T12:00+10:00 | 2024-10-06T12:00+11:00 | ''",
        // Sao Paulo 2018: midnight missing on 2018-11-04; 2019-02-17 00:00 -> 2019-02-16 23:00
        "America/Sao_Paulo   | 0 0 * * *      | SHIFT | FIRST  | 2018-11-03T12:00-03:00 | 2018-11-05T12:00-02:00 | 2018-11-04T01:00-02:00 2018-11-05T00:00-02:00",
        "America/Sao_Paulo   | @daily         | SKIP  | FIRST  | 2018-11-03T12:00-03:00 | 2018-11-05T12:00-02:00 | 2018-11-05T00:00-02:00",
        "America/Sao_Paulo   | 30 23 * * *    | SHIFT | FIRST  | 2019-02-16T12:00-02:00 | 2019-02-17T12:00-03:00 | 2019-02-16T23:30-02:00",
        "America/Sao_Paulo   | 30 23 * * *    | SHIFT | SECOND | 2019-02-16T12:00-02:00 | 2019-02-17T12:00-03:00 | 2019-02-16T23:30-03:00",
        "America/Sao_Paulo   | 30 23 * * *    | SHIFT | BOTH   | 2019-02-16T12:00-02:00 | 2019-02-17T12:00-03:00 | 2019-02-16T23:30-02:00 2019-02-16T23:30-03:00",
        // Santiago: midnight missing on 2024-09-08; 2024-04-07 00:00 -> 2024-04-06 23:00
        "America/Santiago    | 0 0 * * *      | SHIFT | FIRST  | 2024-09-07T12:00-04:00 | 2024-09-08T12:00-03:00 | 2024-09-08T01:00-03:00",
        "America/Santiago    | 0 0 * * *      | SKIP  | FIRST  | 2024-09-07T12:00-04:00 | 2024-09-08T12:00-03:00 | ''",
        "America/Santiago    | 0 23 * * *     | SKIP  | FIRST  | 2024-04-06T12:00-03:00 | 2024-04-07T12:00-04:00 | 2024-04-06T23:00-03:00",
        "America/Santiago    | 0 23 * * *     | SKIP  | SECOND | 2024-04-06T12:00-03:00 | 2024-04-07T12:00-04:00 | 2024-04-06T23:00-04:00",
        // Beirut: midnight missing on 2024-03-31; 2024-10-27 00:00 -> 2024-10-26 23:00
        "Asia/Beirut         | 0 0 * * *      | SHIFT | FIRST  | 2024-03-30T12:00+02:00 | 2024-03-31T12:00+03:00 | 2024-03-31T01:00+03:00",
        "Asia/Beirut         | 15 23 * * *    | SKIP  | BOTH   | 2024-10-26T12:00+03:00 | 2024-10-27T12:00+02:00 | 2024-10-26T23:15+03:00 2024-10-26T23:15+02:00",
        // Havana: midnight missing on 2024-03-10; 2024-11-03 01:00 -> 00:00
        "America/Havana      | 30 0 * * *     | SHIFT | FIRST  | 2024-03-09T12:00-05:00 | 2024-03-11T12:00-04:00 | 2024-03-10T01:00-04:00 2024-03-11T00:30-04:00",
        "America/Havana      | 30 0 * * *     | SKIP  | FIRST  | 2024-03-09T12:00-05:00 | 2024-03-11T12:00-04:00 | 2024-03-11T00:30-04:00",
        "America/Havana      | 30 0 * * *     | SHIFT | SECOND | 2024-11-02T12:00-04:00 | 2024-11-03T12:00-05:00 | 2024-11-03T00:30-05:00",
        "America/Havana      | 30 0 * * *     | SHIFT | FIRST  | 2024-11-02T12:00-04:00 | 2024-11-03T12:00-05:00 | 2024-11-03T00:30-04:00",
        // Lord Howe: 30-minute changes, 2024-10-06 02:00 -> 02:30 and 2024-04-07 02:00 -> 01:30
        "Australia/Lord_Howe | 15 2 * * *     | SHIFT | FIRST  | 2024-10-05T12:00+10:30 | 2024-10-06T12:00+11:00 | 2024-10-06T02:30+11:00",
        "Australia/Lord_Howe | 45 1 * * *     | SHIFT | BOTH   | 2024-04-06T12:00+11:00 | 2024-04-07T12:00+10:30 | 2024-04-07T01:45+11:00 2024-04-07T01:45+10:30",
        // interval-like jobs (hour '*' or a step) ignore the policy: both occurrences, nothing in a gap
        "America/New_York    | 0 * * * *      | SHIFT | FIRST  | 2024-11-03T00:30-04:00 | 2024-11-03T02:30-05:00 | 2024-11-03T01:00-04:00 2024-11-03T01:00-05:00 2024-11-03T02:00-05:00",
        "America/New_York    | 0 * * * *      | SHIFT | FIRST  | 2024-03-10T00:30-05:00 | 2024-03-10T04:30-04:00 | 2024-03-10T01:00-05:00 2024-03-10T03:00-04:00 2024-03-10T04:00-04:00",
        "America/New_York    | 0 */2 * * *    | SHIFT | SECOND | 2024-03-10T00:30-05:00 | 2024-03-10T04:30-04:00 | 2024-03-10T04:00-04:00",
        "America/Sao_Paulo   | 0 * * * *      | SHIFT | FIRST  | 2018-11-03T22:30-03:00 | 2018-11-04T01:30-02:00 | 2018-11-03T23:00-03:00 2018-11-04T01:00-02:00",
        "Europe/Berlin       | 0 0/30 * * * * | SHIFT | FIRST  | 2024-10-27T01:45+02:00 | 2024-10-27T02:15+01:00 | 2024-10-27T02:00+02:00 2024-10-27T02:30+02:00 2024-10-27T02:00+01:00",
    })
    void shouldApplyPolicyAtDstChange(
        final String zone, final String expression, final DstPolicy.Gap gap, final DstPolicy.Overlap overlap,
        final String from, final String to, final String expected)
    {
        assertEquals(list(expected), fires(expression, zone, DstPolicy.of(gap, overlap), from, to));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @EnumSource(DstPolicy.Gap.class)
    void shouldFireOnceInGapOnlyWhenShifting(final DstPolicy.Gap gap)
    {
        for (final DstPolicy.Overlap overlap : DstPolicy.Overlap.values())
        {
            final List<String> fires = fires("30 1 * * *", "Europe/London", DstPolicy.of(gap, overlap),
                "2024-03-30T12:00Z", "2024-03-31T12:00+01:00");
            assertEquals(gap == DstPolicy.Gap.SHIFT ? List.of("2024-03-31T02:00+01:00") : List.of(), fires);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @EnumSource(DstPolicy.Overlap.class)
    void shouldFireInOverlapAsPolicySays(final DstPolicy.Overlap overlap)
    {
        for (final DstPolicy.Gap gap : DstPolicy.Gap.values())
        {
            final List<String> fires = fires("30 1 * * *", "Europe/London", DstPolicy.of(gap, overlap),
                "2024-10-26T12:00+01:00", "2024-10-27T12:00Z");
            final List<String> expected = overlap == DstPolicy.Overlap.FIRST ? List.of("2024-10-27T01:30+01:00") :
                overlap == DstPolicy.Overlap.SECOND ? List.of("2024-10-27T01:30Z") :
                List.of("2024-10-27T01:30+01:00", "2024-10-27T01:30Z");
            assertEquals(expected, fires);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @EnumSource(DstPolicy.Gap.class)
    void shouldTreatIntervalJobsAlikeUnderEveryPolicy(final DstPolicy.Gap gap)
    {
        for (final DstPolicy.Overlap overlap : DstPolicy.Overlap.values())
        {
            assertEquals(
                List.of("2024-10-27T00:30+01:00", "2024-10-27T01:00+01:00", "2024-10-27T01:30+01:00", "2024-10-27T01:00Z",
                    "2024-10-27T01:30Z", "2024-10-27T02:00Z"),
                fires("*/30 * * * *", "Europe/London", DstPolicy.of(gap, overlap), "2024-10-27T00:15+01:00", "2024-10-27T02:00Z"));
        }
    }

    /**
     * A schedule whose last match (a year field) is a repeated local time: its second occurrence lies in the segment
     * after the change, where local time starts again below the search's, so finding nothing in the first segment
     * does not end the search.
     */
    @ParameterizedTest(name = "[{index}] {0}")
    @EnumSource(DstPolicy.Overlap.class)
    void shouldFireTheSecondOccurrenceOfALastMatchWithAYearField(final DstPolicy.Overlap overlap)
    {
        final List<String> fires = fires("0 30 1 5 11 ? 2023", "America/New_York",
            DstPolicy.of(DstPolicy.Gap.SKIP, overlap), "2023-11-01T00:00-04:00", "2023-11-06T00:00-05:00");
        final List<String> expected = overlap == DstPolicy.Overlap.FIRST ? List.of("2023-11-05T01:30-04:00") :
            overlap == DstPolicy.Overlap.SECOND ? List.of("2023-11-05T01:30-05:00") :
            List.of("2023-11-05T01:30-04:00", "2023-11-05T01:30-05:00");
        assertEquals(expected, fires);
        assertEquals(expected.size(), CronSchedule.parse("0 30 1 5 11 ? 2023", ZoneId.of("America/New_York"),
            DstPolicy.of(DstPolicy.Gap.SKIP, overlap)).countFiresBetween(
                OffsetDateTime.parse("2023-11-01T00:00-04:00").toInstant().toEpochMilli(),
                OffsetDateTime.parse("2023-11-06T00:00-05:00").toInstant().toEpochMilli()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @EnumSource(DstPolicy.Overlap.class)
    void shouldFindTheSecondOccurrenceOfALastMatchFromBetweenTheTwo(final DstPolicy.Overlap overlap)
    {
        final List<String> fires = fires("0 30 1 5 11 ? 2023", "America/New_York",
            DstPolicy.of(DstPolicy.Gap.SHIFT, overlap), "2023-11-05T01:45-04:00", "2023-11-06T00:00-05:00");
        assertEquals(overlap == DstPolicy.Overlap.FIRST ? List.of() : List.of("2023-11-05T01:30-05:00"), fires);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @EnumSource(DstPolicy.Overlap.class)
    void shouldFireAnIntervalJobsLastMatchInBothOccurrences(final DstPolicy.Overlap overlap)
    {
        assertEquals(List.of("2023-11-05T01:30-04:00", "2023-11-05T01:30-05:00"),
            fires("0 30 1/24 5 11 ? 2023", "America/New_York", DstPolicy.of(DstPolicy.Gap.SKIP, overlap),
                "2023-11-01T00:00-04:00", "2023-11-06T00:00-05:00"));
    }
}
