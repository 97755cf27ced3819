package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.MetadataStore;

class LeaseRenewalDaemonTest {
  /** A metadata store that only answers liveBlobs, from a sorted set. */
  private static MetadataStore liveBlobs(TreeSet<String> live) {
    return (MetadataStore) Proxy.newProxyInstance(MetadataStore.class.getClassLoader(),
        new Class<?>[] {MetadataStore.class}, (proxy, m, args) -> {
          if (!m.getName().equals("liveBlobs")) {
            throw new UnsupportedOperationException(m.getName());
          }
          String after = (String) args[0];
          int limit = (Integer) args[1];
          return (after == null ? live : live.tailSet(after, false)).stream().limit(limit).map(BlobRef::of).toList();
        });
  }

  private static final class RecordingStore implements BlobStore {
    final List<BlobRef> renewed = new ArrayList<>();
    final Set<String> failing = new java.util.HashSet<>();
    final Set<BlobCapability> caps;

    RecordingStore(Set<BlobCapability> caps) {
      this.caps = caps;
    }

    @Override
    public BlobRef put(ReadableByteChannel src, long size) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(BlobRef ref, long offset, ByteBuffer dst) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long size(BlobRef ref) {
      return 0;
    }

    @Override
    public void release(BlobRef ref) {}

    @Override
    public void renewLease(BlobRef ref) throws FsException {
      if (failing.contains(ref.value())) {
        throw new FsException(FsError.IO, "unrecoverable");
      }
      renewed.add(ref);
    }

    @Override
    public Set<BlobCapability> capabilities() {
      return caps;
    }

    @Override
    public void close() {}
  }

  @Test
  void renewsEveryLiveBlob_acrossPages() throws Exception {
    TreeSet<String> live = new TreeSet<>();
    IntStream.range(0, 1234).forEach(i -> live.add(String.format("blob-%05d", i)));
    RecordingStore store = new RecordingStore(EnumSet.of(BlobCapability.LEASES));
    LeaseRenewalDaemon.Pass p = new LeaseRenewalDaemon(liveBlobs(live), store).renewAll();
    assertThat(p.renewed()).isEqualTo(1234);
    assertThat(store.renewed).extracting(BlobRef::value).containsExactlyElementsOf(live);
  }

  @Test
  void releasedBlobs_areNotRenewed() throws Exception {
    TreeSet<String> live = new TreeSet<>(List.of("a", "b", "c"));
    RecordingStore store = new RecordingStore(EnumSet.of(BlobCapability.LEASES));
    LeaseRenewalDaemon d = new LeaseRenewalDaemon(liveBlobs(live), store);
    d.run();
    live.remove("b"); // its reference count went to 0
    d.run();
    assertThat(store.renewed).extracting(BlobRef::value).containsExactly("a", "b", "c", "a", "c");
  }

  @Test
  void oneFailingBlob_doesNotStopTheOthers() throws Exception {
    TreeSet<String> live = new TreeSet<>(List.of("a", "b", "c"));
    RecordingStore store = new RecordingStore(EnumSet.of(BlobCapability.LEASES));
    store.failing.add("b");
    LeaseRenewalDaemon.Pass p = new LeaseRenewalDaemon(liveBlobs(live), store).renewAll();
    assertThat(p).isEqualTo(new LeaseRenewalDaemon.Pass(2, 1));
  }

  @Test
  void onlyStoresWithLeases_needIt() {
    assertThat(LeaseRenewalDaemon.needed(new RecordingStore(EnumSet.of(BlobCapability.LEASES)))).isTrue();
    assertThat(LeaseRenewalDaemon.needed(new RecordingStore(EnumSet.noneOf(BlobCapability.class)))).isFalse();
  }
}
