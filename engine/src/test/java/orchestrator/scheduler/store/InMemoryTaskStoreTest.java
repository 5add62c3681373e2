package orchestrator.scheduler.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The contract on {@link TaskStore#inMemory()}: "reopen" is the same object opened again.
 */
class InMemoryTaskStoreTest extends TaskStoreContract
{
    @Override
    TaskStore newStore()
    {
        return TaskStore.inMemory();
    }

    @Override
    TaskStore sameStoreAgain(final TaskStore closed)
    {
        return closed;
    }

    @Test
    void shouldNotBeDurable()
    {
        assertFalse(TaskStore.inMemory().isDurable());
    }
}
