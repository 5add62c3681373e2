package orchestrator.benchmarks.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Thread safe (stateless): the version of a dependency on the class path, from the {@code pom.properties} its jar
 * carries (the benchmarks jar keeps them).
 */
final class Versions
{
    private Versions()
    {
    }

    static String of(final String groupId, final String artifactId)
    {
        final String resource = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
        try (InputStream in = Versions.class.getResourceAsStream(resource))
        {
            if (in == null)
            {
                return "(version unknown)";
            }
            final Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "(version unknown)");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
