package orchestrator.scheduler.cron;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The cron test suites of Spring, Quartz, cron-utils and croniter, transcribed case by case into the tables under
 * {@code src/test/resources/cron/} and checked against this engine, each in the dialect, zone and DST policy that
 * reproduce the peer. A case where we deliberately differ carries a {@code diff} tag naming its entry in the README's
 * "Deliberate differences" list and the peer's own answer; the expected column is then our documented behaviour, so
 * the case still checks it.
 * <p>
 * Table format, one case a line, columns separated by {@code |}:
 * <pre>
 * origin | expression | check | at | expected [| diff Dn peer: what the peer answers]
 * </pre>
 * {@code origin} is the peer's test method; {@code check} is {@code next} (the fires strictly after {@code at},
 * chained, in the zone's local time, an offset appended where the local time is ambiguous), {@code match} /
 * {@code nomatch} ({@code at} is / is not a fire time), {@code never} (no fire after {@code at}) or {@code invalid}
 * (parsing is refused). Directives {@code @source repo path}, {@code @dialect}, {@code @zone} and
 * {@code @policy gap overlap} apply to the lines after them.
 */
class CronPortedCasesTest
{
    private static final String[] TABLES = {"spring.cases", "quartz.cases", "cron-utils.cases", "croniter.cases"};
    private static final Pattern DIFF = Pattern.compile("diff (D\\d+) peer: .+");

    /** One transcribed case. */
    record Case(
        String table, String source, int line, CronDialect dialect, ZoneId zone, DstPolicy policy,
        String origin, String expression, String check, String at, String expected, String diff)
    {
        @Override
        public String toString()
        {
            return table + ":" + line + " " + origin + " '" + expression + "' " + check + (at.isEmpty() ? "" : " " + at) +
                (diff == null ? "" : " [" + diff + "]");
        }
    }

    static List<Case> cases()
    {
        final List<Case> all = new ArrayList<>();
        for (final String table : TABLES)
        {
            all.addAll(read(table));
        }
        return all;
    }

    private static List<Case> read(final String table)
    {
        final List<Case> cases = new ArrayList<>();
        try (InputStream in = CronPortedCasesTest.class.getResourceAsStream("/cron/" + table))
        {
            if (in == null)
            {
                throw new IllegalStateException("missing resource /cron/" + table);
            }
            final BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String source = null;
            CronDialect dialect = null;
            ZoneId zone = ZoneId.of("UTC");
            DstPolicy policy = DstPolicy.CRON_DAEMON;
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine())
            {
                lineNumber++;
                final String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#"))
                {
                    continue;
                }
                if (trimmed.startsWith("@"))
                {
                    final String[] words = trimmed.split("\\s+");
                    switch (words[0])
                    {
                        case "@source": source = words[1] + " " + words[2]; break;
                        case "@dialect": dialect = CronDialect.valueOf(words[1]); break;
                        case "@zone": zone = ZoneId.of(words[1]); break;
                        case "@policy":
                            policy = DstPolicy.of(DstPolicy.Gap.valueOf(words[1]), DstPolicy.Overlap.valueOf(words[2]));
                            break;
                        default: throw new IllegalStateException(table + ":" + lineNumber + ": unknown directive " + words[0]);
                    }
                    continue;
                }
                final String[] columns = line.split("\\|", -1);
                if (columns.length != 5 && columns.length != 6)
                {
                    throw new IllegalStateException(table + ":" + lineNumber + ": expected 5 or 6 columns: " + line);
                }
                if (source == null || dialect == null)
                {
                    throw new IllegalStateException(table + ":" + lineNumber + ": case before @source and @dialect");
                }
                final String diff = columns.length == 6 ? columns[5].strip() : null;
                if (diff != null && !DIFF.matcher(diff).matches())
                {
                    throw new IllegalStateException(table + ":" + lineNumber + ": expected 'diff Dn peer: ...': " + diff);
                }
                cases.add(new Case(table, source, lineNumber, dialect, zone, policy, columns[0].strip(),
                    columns[1].strip(), columns[2].strip(), columns[3].strip(), columns[4].strip(), diff));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldReadCronAsItsOwnersTestIt(final Case c)
    {
        if (c.check.equals("invalid"))
        {
            assertThrows(InvalidCronExpressionException.class,
                () -> CronSchedule.parse(c.expression, c.dialect, c.zone, c.policy), c.toString());
            return;
        }
        final CronSchedule schedule = CronSchedule.parse(c.expression, c.dialect, c.zone, c.policy);
        final ZonedDateTime at = time(c.at, c.zone);
        switch (c.check)
        {
            case "next":
            {
                ZonedDateTime after = at;
                for (final String expected : c.expected.split("\\s+"))
                {
                    final Optional<ZonedDateTime> next = schedule.nextAfter(after);
                    assertTrue(next.isPresent(), c + ": no fire after " + after);
                    assertEquals(time(expected, c.zone).toInstant(), next.get().toInstant(), c + " after " + after);
                    assertEquals(next.get().toInstant().toEpochMilli(),
                        schedule.nextAfterEpochMilli(after.toInstant().toEpochMilli()), c + ": milli path differs");
                    after = next.get();
                }
                break;
            }
            case "never":
                assertEquals(Optional.empty(), schedule.nextAfter(at), c.toString());
                break;
            case "match":
                assertEquals(Optional.of(at.toInstant()), schedule.nextAfter(at.minusSeconds(1)).map(ZonedDateTime::toInstant),
                    c.toString());
                break;
            case "nomatch":
                assertNotEquals(Optional.of(at.toInstant()),
                    schedule.nextAfter(at.minusSeconds(1)).map(ZonedDateTime::toInstant), c.toString());
                break;
            default:
                fail(c + ": unknown check " + c.check);
        }
    }

    /** @return a local date-time in the zone (the earlier offset when ambiguous), or one with an explicit offset. */
    private static ZonedDateTime time(final String text, final ZoneId zone)
    {
        final String t = text.strip();
        if (t.length() > 19 && (t.endsWith("Z") || t.lastIndexOf('+') > 10 || t.lastIndexOf('-') > 10))
        {
            return OffsetDateTime.parse(t).atZoneSameInstant(zone);
        }
        return LocalDateTime.parse(t).atZone(zone);
    }

    @Test
    void shouldPortHundredsOfCasesFromEverySource()
    {
        final Map<String, Integer> perTable = new LinkedHashMap<>();
        for (final Case c : cases())
        {
            perTable.merge(c.table, 1, Integer::sum);
        }
        for (final String table : TABLES)
        {
            assertTrue(perTable.getOrDefault(table, 0) >= 40, table + " has only " + perTable.get(table) + " cases");
        }
        assertTrue(perTable.values().stream().mapToInt(Integer::intValue).sum() >= 300, perTable.toString());
    }

    @Test
    void shouldDocumentEveryExpectedDifferenceInTheReadme() throws IOException
    {
        final Path readme = Path.of("..", "README.md");
        assertTrue(Files.exists(readme), "run from the engine module: " + readme.toAbsolutePath());
        final String text = Files.readString(readme);
        final int section = text.indexOf("### Deliberate differences from Spring, Quartz, cron-utils and croniter");
        assertTrue(section >= 0, "README lacks the deliberate-differences subsection");
        final TreeSet<String> tags = new TreeSet<>();
        for (final Case c : cases())
        {
            if (c.diff != null)
            {
                final Matcher m = DIFF.matcher(c.diff);
                assertTrue(m.matches());
                tags.add(m.group(1));
            }
        }
        assertFalse(tags.isEmpty());
        for (final String tag : tags)
        {
            assertTrue(text.indexOf("**" + tag + "**", section) > section, "README does not explain " + tag);
        }
    }

    @Test
    void shouldNameTheSourceOfEveryCase()
    {
        for (final Case c : cases())
        {
            final String[] parts = c.source.split(" ");
            assertTrue(parts[0].contains("/") && parts[1].contains("."), c + ": bad @source " + c.source);
            assertFalse(c.origin.isEmpty(), c + ": no origin");
            assertTrue(c.check.equals("invalid") || !c.at.isEmpty(), c + ": no instant");
            assertTrue(!c.check.equals("next") || !c.expected.isEmpty(), c + ": no expected fires");
            assertEquals(c.check, c.check.toLowerCase(Locale.ROOT));
        }
    }
}
