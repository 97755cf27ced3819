package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.truckeefs.core.TestFs.ROOT;
import static org.truckeefs.core.TestFs.bytes;
import static org.truckeefs.core.TestFs.createFile;
import static org.truckeefs.core.TestFs.lookup;
import static org.truckeefs.core.TestFs.read;
import static org.truckeefs.core.TestFs.write;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.CoordinatorProvider;
import org.truckeefs.spi.Lease;

/** What coordination costs the data path, counted in coordinator calls (each one a round trip on Redis). */
class CoordinatorRoundTripsTest {
  @TempDir Path tmp;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final Thread testThread = Thread.currentThread();
  private RiverFS fs;

  @BeforeEach
  void setUp() throws Exception {
    TestFs t = TestFs.local(tmp);
    CoordinatorProvider counting = new CoordinatorProvider() {
      @Override
      public String scheme() {
        return "counting";
      }

      @Override
      public Coordinator create(URI uri, BackendConfig c, BackendContext ctx) {
        return counted(new LocalCoordinator(ctx), Coordinator.class);
      }
    };
    fs = RiverFS.open(t.config().backends(Backends.empty()
            .register(TestFs.metaProvider("testmeta2", t.meta)).register(TestFs.blobProvider(t.blobs)).register(counting))
        .metadataUri("testmeta2:").coordinatorUri("counting:").build());
  }

  @AfterEach
  void tearDown() throws Exception {
    fs.close();
  }

  /**
   * Records every call the test's own thread makes (the data path's; the change messages go out gathered from the
   * scheduler) except the free, local ones (the session id is known without asking the server).
   */
  private <T> T counted(T target, Class<T> type) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
      if (Thread.currentThread() == testThread && !m.getName().equals("sessionId") && !m.getName().equals("isValid")) {
        calls.add(type.getSimpleName() + "." + m.getName());
      }
      try {
        Object r = m.invoke(target, args);
        return r instanceof Lease l ? counted(l, Lease.class) : r;
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }));
  }

  @Test
  void readOnlyOpenAndClose_costTwoCalls_andNoLease() throws Exception {
    long h = createFile(fs, "f");
    write(fs, h, 0, bytes("hello"));
    fs.fsync(h, false);
    fs.release(h);
    calls.clear();
    long r = fs.open(ROOT, lookup(fs, "f").id(), OpenFlags.READ).handle();
    assertThat(read(fs, r, 0, 5)).isEqualTo(bytes("hello"));
    fs.flush(r, 42);
    fs.release(r);
    assertThat(calls).containsExactly("Coordinator.putEphemeral", "Coordinator.removeEphemeral");
  }

  @Test
  void metadataCalls_areCountedByTheInstrumentedStore() throws Exception {
    long h = createFile(fs, "f");
    fs.release(h);
    long before = fs.metadataCallStats().get("getAttributes")[0];
    fs.release(fs.open(ROOT, lookup(fs, "f").id(), OpenFlags.READ).handle()); // close-to-open reads the store
    assertThat(fs.metadataCallStats().get("getAttributes")[0]).isGreaterThan(before);
    assertThat(fs.metadataCallStats()).containsKey("createEntry");
  }

  /** A create's open mark goes out without waiting for the coordinator; an open of an existing file waits. */
  @Test
  void aCreate_putsItsOpenMarkWithoutWaiting() throws Exception {
    long h = createFile(fs, "f");
    assertThat(calls).contains("Coordinator.putEphemeralNoWait").doesNotContain("Coordinator.putEphemeral");
    fs.release(h);
    assertThat(calls).endsWith("Coordinator.removeEphemeral");
  }

  @Test
  void nestedOpens_costNothingMore() throws Exception {
    long h = createFile(fs, "f");
    calls.clear();
    for (int i = 0; i < 5; i++) {
      fs.release(fs.open(ROOT, lookup(fs, "f").id(), OpenFlags.READ).handle());
    }
    fs.release(h);
    assertThat(calls).containsExactly("Coordinator.removeEphemeral");
  }

  /**
   * The unlink of a closed file's last name asks once whether another host has it open, however many hosts there
   * are (one script on Redis); no per-host look-ups.
   */
  @Test
  void anUnlinkOfALastName_asksOnceWhetherAnotherHostHasItOpen() throws Exception {
    fs.release(createFile(fs, "f"));
    calls.clear();
    fs.unlink(ROOT, InodeId.ROOT, Name.of("f"));
    assertThat(calls).containsExactly("Coordinator.heldByOtherSession");
  }

  @Test
  void aCommit_takesAndReleasesTheCommitLeaseOnce() throws Exception {
    long h = createFile(fs, "f");
    write(fs, h, 0, bytes("data"));
    calls.clear();
    fs.fsync(h, false);
    // the change announcement goes out later, gathered with others from the scheduler (ChangeFeed.GATHER)
    assertThat(calls).containsExactlyInAnyOrder("Coordinator.writeLock", "Lease.close");
    calls.clear();
    fs.fsync(h, false); // nothing to commit: no lease
    assertThat(calls).isEmpty();
    fs.release(h);
    assertThat(fs.getattr(InodeId.ROOT)).isNotNull();
  }
}
