package org.truckeefs.core;

import java.util.concurrent.atomic.AtomicLong;

/** A write-back journal that only numbers its records: for tests of an {@link OpenFile}'s seals on their own. */
final class NumberingJournal implements OpenFile.Journal {
  private final AtomicLong ids = new AtomicLong();

  @Override
  public long append(OpenFile file, long baseVersion, PendingUpload payload) {
    return ids.incrementAndGet();
  }

  @Override
  public void remove(long journalId) {}
}
