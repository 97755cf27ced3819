package org.truckeefs.spi;

/**
 * A held lock or semaphore permit. Closing releases it; closing twice is harmless. A lease held by a
 * process that dies expires on its own (after its lease time), so other hosts can proceed.
 */
public interface Lease extends AutoCloseable {
  /** Whether the lease is still held (not closed, not expired). */
  boolean isValid();

  @Override
  void close();
}
