package orchestrator.scheduler.vault;

import orchestrator.scheduler.vault.RecordOpenException.Reason;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static orchestrator.scheduler.vault.CallbackVaultTest.failure;
import static orchestrator.scheduler.vault.CallbackVaultTest.randomBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VaultModeTest
{
    @Test
    void shouldStorePayloadInClearInTestMode()
    {
        final CallbackVault vault = CallbackVault.testMode(Aead.AES_256_GCM);
        final byte[] payload = randomBytes(64);
        final SealedRecord record = vault.seal(4, "t", 2, payload);
        assertTrue(vault.isTestMode());
        assertTrue(record.isPlain());
        assertEquals(-1, record.keyId());
        final byte[] encoded = record.toBytes();
        assertArrayEquals(payload, Arrays.copyOfRange(encoded, encoded.length - 64, encoded.length));
        assertArrayEquals(payload, vault.open(record, 4, "t", 2));
    }

    @Test
    void shouldDetectPlainRecordOfAnotherTaskOrVersion()
    {
        final CallbackVault vault = CallbackVault.testMode(Aead.AES_256_GCM);
        final SealedRecord record = vault.seal(4, "t", 2, randomBytes(8));
        assertEquals(Reason.PLAIN_RECORD_MISMATCH, failure(() -> vault.open(record, 5, "t", 2)));
        assertEquals(Reason.PLAIN_RECORD_MISMATCH, failure(() -> vault.open(record, 4, "t", 1)));
    }

    @Test
    void shouldRejectPlainRecordInProductionMode()
    {
        final SealedRecord plain = CallbackVault.testMode(Aead.AES_256_GCM).seal(1, "t", 1, randomBytes(8));
        final CallbackVault production = CallbackVault.production(KeyProvider.random());
        assertFalse(production.isTestMode());
        assertEquals(Reason.PLAIN_RECORD_REJECTED, failure(() -> production.open(plain, 1, "t", 1)));
        assertEquals(Reason.PLAIN_RECORD_REJECTED, failure(() -> production.reseal(plain, 1, "t", 1)));
    }

    @Test
    void shouldConvertProductionRecordsToPlainWhenSwitchingToTestMode()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        final byte[] payload = randomBytes(32);
        SealedRecord record = vault.seal(1, "t", 1, payload);
        final SealedRecord sealed = record;

        vault.beginPlainMode();
        assertTrue(vault.isTestMode());
        assertTrue(vault.isRotating());
        assertTrue(vault.seal(2, "u", 1, payload).isPlain(), "new records are plain at once");
        record = vault.reseal(record, 1, "t", 1);
        vault.finishRotation();

        assertTrue(record.isPlain());
        assertArrayEquals(payload, vault.open(record, 1, "t", 1));
        assertEquals(Reason.UNKNOWN_KEY_ID, failure(() -> vault.open(sealed, 1, "t", 1)), "keys retired");
    }

    @Test
    void shouldConvertPlainRecordsToSealedWhenSwitchingToProductionMode()
    {
        final CallbackVault vault = CallbackVault.testMode(Aead.AES_256_GCM_SIV);
        final byte[] payload = randomBytes(32);
        SealedRecord record = vault.seal(1, "t", 1, payload);
        final SealedRecord plain = record;

        vault.beginRotation(KeyProvider.random());
        assertFalse(vault.isTestMode());
        assertTrue(vault.isRotating());
        assertArrayEquals(payload, vault.open(plain, 1, "t", 1), "plain records open until the switch finishes");
        record = vault.reseal(record, 1, "t", 1);
        vault.finishRotation();

        assertTrue(record.isSealed());
        assertEquals(Aead.AES_256_GCM_SIV.id(), record.toBytes()[1]);
        assertArrayEquals(payload, vault.open(record, 1, "t", 1));
        assertEquals(Reason.PLAIN_RECORD_REJECTED, failure(() -> vault.open(plain, 1, "t", 1)),
            "production mode never falls back to plain");
    }

    @Test
    void shouldDescribeRecordsWithoutContent()
    {
        final CallbackVault vault = CallbackVault.production(KeyProvider.random());
        assertEquals("SealedRecord[AES_256_GCM, keyId=1, 42 bytes]", vault.seal(1, "t", 1, new byte[8]).toString());
        assertEquals("SealedRecord[plain, 25 bytes]",
            CallbackVault.testMode(Aead.AES_256_GCM).seal(1, "t", 1, new byte[8]).toString());
        assertEquals("CallbackVault[production, AES_256_GCM, key 1]", vault.toString());
    }
}
