package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * What every part of the {@link MetadataStore} contract shares: the store under test, opened before each test and
 * closed after it, a fresh directory for the test, and the helpers the parts build and read state with.
 *
 * <p>The parts run as {@code @Nested} classes of {@link AbstractMetadataStoreContractTest}, the class a backend's
 * test extends; {@link #suite()} is that test, so its hooks make the store and say how the store behaves.
 *
 * <p>Stores may be shared between tests (one database per test class): every test works in a fresh directory
 * under the root, uses blob references and journal owners unique to it, and checks global answers (orphans,
 * stats, released blobs) by what it added, never by exact totals.
 */
abstract class MetadataStoreContract {
  /** Base time; every test moves forward from here so that time updates are visible. */
  protected static final Instant T0 = Instant.parse("2024-05-01T10:00:00.123456789Z");

  protected MetadataStore store;
  /** A fresh, empty directory for the current test. */
  protected InodeId work;
  /** Names the test's directory, blob references and journal owners, so that tests sharing a store never meet. */
  String unique;
  private int tick;

  /** The backend's test this part runs in: it makes the store and says how the store behaves. */
  abstract AbstractMetadataStoreContractTest suite();

  /** See {@link AbstractMetadataStoreContractTest#reportsDirectoryAttributes()}. */
  protected boolean reportsDirectoryAttributes() {
    return suite().reportsDirectoryAttributes();
  }

  /** See {@link AbstractMetadataStoreContractTest#storeClockNow()}. */
  protected Instant storeClockNow() {
    return suite().storeClockNow();
  }

  @BeforeEach
  void openStore() throws Exception {
    store = suite().createStore();
    store.initRoot(dirSpec(T0));
    unique = UUID.randomUUID().toString().substring(0, 8);
    work = mkdir(InodeId.ROOT, "test-" + unique).id();
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store != null) {
      suite().releaseStore(store);
    }
  }

  // ---- helpers ----

  protected static Name n(String s) {
    try {
      return Name.of(s);
    } catch (FsException e) {
      throw new IllegalArgumentException(e);
    }
  }

  protected Instant later() {
    return T0.plus(Duration.ofSeconds(++tick, tick * 1_001L));
  }

  protected static NewInode dirSpec(Instant t) {
    return new NewInode(InodeType.DIRECTORY, 0755, 1000, 100, 0, t, null);
  }

  protected static NewInode fileSpec(Instant t) {
    return new NewInode(InodeType.FILE, 0644, 1000, 100, 0, t, null);
  }

  protected InodeAttributes mkdir(InodeId parent, String name) throws FsException {
    return store.create(parent, n(name), dirSpec(later()));
  }

  protected InodeAttributes touch(InodeId parent, String name) throws FsException {
    return store.create(parent, n(name), fileSpec(later()));
  }

  protected BlobRef blob(String label) {
    return BlobRef.of("blob-" + unique + "-" + label);
  }

  protected String owner() {
    return "host-" + unique;
  }

  protected static void assertError(FsError expected, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class,
        e -> assertThat(e.error()).as("error of %s", e.getMessage()).isEqualTo(expected));
  }

  /** Every entry of {@code dir}, read in small pages. */
  protected List<DirEntry> list(InodeId dir) throws FsException {
    List<DirEntry> all = new ArrayList<>();
    long cookie = 0;
    while (true) {
      List<DirEntry> page = store.readDir(dir, cookie, 7);
      if (page.isEmpty()) {
        return all;
      }
      all.addAll(page);
      cookie = page.get(page.size() - 1).cookie();
    }
  }

  protected List<String> names(InodeId dir) throws FsException {
    return list(dir).stream().map(e -> e.name().toString()).toList();
  }

  protected InodeId inodeOf(InodeId dir, String name) throws FsException {
    return store.lookup(dir, n(name)).orElseThrow().inode();
  }

  protected CommitResult commit(InodeId file, long size, long dropFrom, List<ChunkRef> upserts) throws FsException {
    long version = store.getAttributes(file).version();
    return store.commitContent(new ContentCommit(file, version, size, upserts, dropFrom, later(), 0));
  }

  protected static ChunkRef chunk(long index, BlobRef blob, long length) {
    return new ChunkRef(index, blob, length);
  }

  /** Directory invariants: size = entries, nlink = 2 + subdirectories, every subdirectory's parent is dir. */
  protected void assertDirectoryConsistent(InodeId dir) throws FsException {
    List<DirEntry> entries = list(dir);
    InodeAttributes a = store.getAttributes(dir);
    long subdirs = entries.stream().filter(e -> e.type() == InodeType.DIRECTORY).count();
    assertThat(a.size()).as("size of %s", dir).isEqualTo(entries.size());
    assertThat(a.nlink()).as("nlink of %s", dir).isEqualTo(2 + subdirs);
    for (DirEntry e : entries) {
      assertThat(store.getAttributes(e.inode()).type()).isEqualTo(e.type());
      if (e.type() == InodeType.DIRECTORY) {
        assertThat(store.parentOf(e.inode())).isEqualTo(dir);
      }
    }
  }
}
