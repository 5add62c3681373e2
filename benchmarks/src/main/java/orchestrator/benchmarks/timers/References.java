package orchestrator.benchmarks.timers;

import java.lang.management.ManagementFactory;

import com.sun.management.HotSpotDiagnosticMXBean;

/**
 * Thread safe (constants only): the size of an object reference on the running JVM.
 */
final class References
{
    /** 4 with compressed oops (heaps under 32 GB by default), else 8. */
    static final int BYTES = compressedOops() ? 4 : 8;

    private References()
    {
    }

    private static boolean compressedOops()
    {
        try
        {
            return Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("UseCompressedOops").getValue());
        }
        catch (final RuntimeException ex)
        {
            return true;
        }
    }
}
