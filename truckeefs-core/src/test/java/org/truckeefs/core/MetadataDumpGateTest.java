package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

class MetadataDumpGateTest {
  private final InMemoryMetadataStore real = new InMemoryMetadataStore(Clock.systemUTC());
  private final List<String> seen = new CopyOnWriteArrayList<>();
  /** A proxy store, as RiverFS's Instrumented one is: every call it gets is recorded, then forwarded. */
  private final MetadataStore recorded = RecordingStore.of(real, seen);

  @Test
  void overAProxyStore_eachCallReachesItsHandlerOnce_withAnswersAndErrorsUnchanged() throws Exception {
    MetadataStore gated = MetadataDumpGate.wrap(recorded);
    gated.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, Instant.EPOCH, null));
    assertThat(gated.getAttributes(InodeId.ROOT).isDirectory()).isTrue();
    assertThatThrownBy(() -> gated.getAttributes(InodeId.of(999_999)))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
    assertThat(seen).containsExactly("initRoot", "getAttributes", "getAttributes");
  }

  @Test
  void aDumpClosesTheGateForChanges_throughTheProxyToo() throws Exception {
    MetadataStore gated = MetadataDumpGate.wrap(recorded);
    gated.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, Instant.EPOCH, null));
    int listed = MetadataDumpGate.of(gated).exclusively(s -> s.readDir(InodeId.ROOT, 0, 10).size());
    assertThat(listed).isZero();
    assertThat(gated).isEqualTo(gated).isNotEqualTo(recorded);
  }
}
