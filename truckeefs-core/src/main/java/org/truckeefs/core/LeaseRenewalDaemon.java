package org.truckeefs.core;

import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.MetadataStore;

/**
 * Keeps live blobs alive on stores whose space comes back by lease expiry (Tahoe-LAFS): each run renews the lease
 * of every blob {@link MetadataStore#liveBlobs} lists. A released blob (reference count 0) is no longer listed, so
 * its lease runs out and the grid reclaims the space. A scheduled {@link Runnable}; one failing blob is logged and
 * skipped, and a failed run is retried at the next interval.
 */
final class LeaseRenewalDaemon implements Runnable {
  /** Setting {@code lease_renewal_interval}: how often to renew. Tahoe's default lease lasts 31 days. */
  static final String INTERVAL_KEY = "lease_renewal_interval";
  static final Duration DEFAULT_INTERVAL = Duration.ofDays(1);
  private static final int PAGE = 500;
  private static final Logger log = LoggerFactory.getLogger(LeaseRenewalDaemon.class);

  private final MetadataStore meta;
  private final BlobStore blobs;

  LeaseRenewalDaemon(MetadataStore meta, BlobStore blobs) {
    this.meta = meta;
    this.blobs = blobs;
  }

  /** Whether the store needs lease renewal at all. */
  static boolean needed(BlobStore blobs) {
    return blobs.capabilities().contains(BlobCapability.LEASES);
  }

  static Duration interval(BackendConfig config) throws FsException {
    Duration d = config.getDuration(INTERVAL_KEY, DEFAULT_INTERVAL);
    return d.isZero() ? DEFAULT_INTERVAL : d;
  }

  /** Outcome of one pass, for logs and tests. */
  record Pass(int renewed, int failed) {}

  @Override
  public void run() {
    try {
      Pass p = renewAll();
      if (p.failed() > 0) {
        log.warn("lease renewal: {} blobs renewed, {} failed (retried next run)", p.renewed(), p.failed());
      } else {
        log.debug("lease renewal: {} blobs renewed", p.renewed());
      }
    } catch (FsException | RuntimeException e) {
      log.warn("lease renewal stopped early: {}", e.getMessage());
    }
  }

  /** Renews every live blob once. */
  Pass renewAll() throws FsException {
    int renewed = 0;
    int failed = 0;
    String after = null;
    while (true) {
      List<BlobRef> page = meta.liveBlobs(after, PAGE);
      for (BlobRef ref : page) {
        try {
          blobs.renewLease(ref);
          renewed++;
        } catch (FsException e) {
          failed++;
          log.warn("cannot renew the lease of {}: {}", ref, e.getMessage());
        }
      }
      if (page.size() < PAGE) {
        return new Pass(renewed, failed);
      }
      after = page.get(page.size() - 1).value();
      if (Thread.currentThread().isInterrupted()) {
        return new Pass(renewed, failed);
      }
    }
  }

  @Override
  public String toString() {
    return "LeaseRenewalDaemon[" + blobs + "]";
  }
}
