package orchestrator.benchmarks;

import orchestrator.scheduler.vault.Aead;
import orchestrator.scheduler.vault.CallbackVault;
import orchestrator.scheduler.vault.KeyProvider;
import orchestrator.scheduler.vault.SealedRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Cost of sealing and opening one callback payload (what production mode adds to a registration and to a fire):
 * every {@link Aead} through {@link CallbackVault} (pooled keyed ciphers; an open is {@code pin} then
 * {@code runOpened}, as the engine fires), against the JDK's own {@code AES/GCM/NoPadding} doing the same work (fresh
 * 12-byte nonce from a per-thread DRBG, the same associated data, plaintext wiped after use) in the same run. The
 * default cipher is the fastest to open 64 B ({@code results/vault-aead.md}).
 * <pre>
 * mvn -q -o -pl engine,benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar VaultBenchmark -f 1 -wi 2 -i 3 -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(BenchmarkJvm.FORKS)
@Warmup(iterations = BenchmarkJvm.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = 2 * BenchmarkJvm.MEASUREMENT_ITERATIONS, time = 1) // noisy: more samples
@State(Scope.Thread)
public class VaultBenchmark
{
    private static final long TASK_ID = 42;
    private static final String TASK_NAME = "nightly-report";
    private static final long VERSION = 3;
    /** One action object for every open, as the engine passes. */
    private static final BiConsumer<Blackhole, byte[]> CONSUME = Blackhole::consume;

    /** An {@link Aead} name goes through the vault; JDK_GCM is the JDK provider with the same record layout. */
    @Param({"AES_256_GCM", "AES_256_GCM_SIV", "CHACHA20_POLY1305", "JDK_GCM"})
    public String cipher;

    @Param({"64", "1024"})
    public int payloadSize;

    private byte[] payload;
    private CallbackVault vault;
    private SealedRecord record;
    private JdkGcm jdk;
    private byte[] jdkRecord;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException
    {
        payload = new byte[payloadSize];
        new SecureRandom().nextBytes(payload);
        final byte[] key = new byte[KeyProvider.KEY_LENGTH];
        new SecureRandom().nextBytes(key);
        if ("JDK_GCM".equals(cipher))
        {
            jdk = new JdkGcm(key);
            jdkRecord = jdk.seal(payload);
        }
        else
        {
            vault = CallbackVault.production(KeyProvider.ofBytes(key), Aead.valueOf(cipher));
            record = vault.seal(TASK_ID, TASK_NAME, VERSION, payload);
        }
        Arrays.fill(key, (byte)0);
    }

    @Benchmark
    public Object seal() throws GeneralSecurityException
    {
        return jdk == null ? vault.seal(TASK_ID, TASK_NAME, VERSION, payload) : jdk.seal(payload);
    }

    @Benchmark
    public void open(final Blackhole bh) throws GeneralSecurityException
    {
        if (jdk == null)
        {
            vault.runOpened(record, vault.pin(record), TASK_ID, TASK_NAME, VERSION, CONSUME, bh);
        }
        else
        {
            final byte[] plain = jdk.open(jdkRecord);
            bh.consume(plain);
            Arrays.fill(plain, (byte)0);
        }
    }

    /** The JDK's AES-GCM with the vault's record layout and associated data; one instance per benchmark thread. */
    static final class JdkGcm
    {
        private static final int HEADER = 6;
        private static final int NONCE = 12;
        private final Cipher cipher;
        private final SecretKeySpec key;
        private final SecureRandom nonces;

        JdkGcm(final byte[] keyBytes) throws GeneralSecurityException
        {
            cipher = Cipher.getInstance("AES/GCM/NoPadding");
            key = new SecretKeySpec(keyBytes, "AES");
            nonces = SecureRandom.getInstance("DRBG");
        }

        byte[] seal(final byte[] plain) throws GeneralSecurityException
        {
            final byte[] out = new byte[HEADER + NONCE + plain.length + 16];
            out[0] = 1;
            out[1] = 1;
            out[5] = 1;
            final byte[] nonce = new byte[NONCE];
            nonces.nextBytes(nonce);
            System.arraycopy(nonce, 0, out, HEADER, NONCE);
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            associate(out);
            cipher.doFinal(plain, 0, plain.length, out, HEADER + NONCE);
            return out;
        }

        byte[] open(final byte[] record) throws GeneralSecurityException
        {
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, record, HEADER, NONCE));
            associate(record);
            return cipher.doFinal(record, HEADER + NONCE, record.length - HEADER - NONCE);
        }

        private void associate(final byte[] header)
        {
            cipher.updateAAD(header, 0, HEADER);
            cipher.updateAAD(ByteBuffer.allocate(16).putLong(TASK_ID).putLong(VERSION).array());
            cipher.updateAAD(TASK_NAME.getBytes(StandardCharsets.UTF_8));
        }
    }
}
