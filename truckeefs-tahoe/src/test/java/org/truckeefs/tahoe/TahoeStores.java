package org.truckeefs.tahoe;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Ticker;

/** Builds Tahoe stores for tests, with fast retries. */
final class TahoeStores {
  private TahoeStores() {}

  static Map<String, String> settings(String url, String rootcap, String... more) {
    Map<String, String> m = new HashMap<>();
    m.put("tahoe_url", url);
    m.put("rootcap", rootcap);
    m.put("net_retry_delay", "5ms");
    m.put("net_timeout", "5s");
    for (int i = 0; i + 1 < more.length; i += 2) {
      m.put(more[i], more[i + 1]);
    }
    return m;
  }

  static BackendContext context(Path dataDir, ScheduledExecutorService scheduler) {
    return new BackendContext("test-fs", dataDir, Clock.systemUTC(), Ticker.system(), scheduler);
  }

  static TahoeBlobStore open(Map<String, String> settings, Path dataDir, ScheduledExecutorService scheduler)
      throws FsException {
    return (TahoeBlobStore) new TahoeBlobStoreProvider().create(java.net.URI.create("tahoe:/"),
        BackendConfig.of(settings), context(dataDir, scheduler));
  }

  static ScheduledExecutorService scheduler() {
    return Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "test-scheduler");
      t.setDaemon(true);
      return t;
    });
  }
}
