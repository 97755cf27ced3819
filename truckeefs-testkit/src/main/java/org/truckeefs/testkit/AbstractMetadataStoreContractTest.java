package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.CreateResult;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.RenameResult;
import org.truckeefs.spi.StoreStats;
import org.truckeefs.spi.UnlinkResult;

/**
 * The contract of {@link MetadataStore}, as its javadoc states it. A backend's test extends this class and
 * supplies {@link #createStore()}.
 *
 * <p>Stores may be shared between tests (one database per test class): every test works in a fresh directory
 * under the root, uses blob references and journal owners unique to it, and checks global answers (orphans,
 * stats, released blobs) by what it added, never by exact totals.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class AbstractMetadataStoreContractTest {
  /** Base time; every test moves forward from here so that time updates are visible. */
  protected static final Instant T0 = Instant.parse("2024-05-01T10:00:00.123456789Z");

  protected MetadataStore store;
  /** A fresh, empty directory for the current test. */
  protected InodeId work;
  private String unique;
  private int tick;

  /** A store to test; it may hold data from earlier tests of the same class, but not of other classes. */
  protected abstract MetadataStore createStore() throws Exception;

  /** Closes the store after each test; override to drop what {@link #createStore()} set up. */
  protected void releaseStore(MetadataStore s) throws Exception {
    s.close();
  }

  /**
   * Whether the store reports a directory's attributes after a create or unlink ({@code CreateResult.parent},
   * {@code UnlinkResult.parent}); override to return false for a store that keeps the SPI's defaults.
   */
  protected boolean reportsDirectoryAttributes() {
    return true;
  }

  /** The wall-clock time the store stamps on blobs that lose their last reference ({@code Instant.now()}). */
  protected Instant storeClockNow() {
    return Instant.now();
  }

  @BeforeEach
  void openStore() throws Exception {
    store = createStore();
    store.initRoot(dirSpec(T0));
    unique = UUID.randomUUID().toString().substring(0, 8);
    work = mkdir(InodeId.ROOT, "test-" + unique).id();
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store != null) {
      releaseStore(store);
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

  // ---- the tests ----

  @Nested
  class Root {
    @Test
    void initRoot_isIdempotent_andKeepsTheFirstRoot() throws Exception {
      InodeAttributes first = store.getAttributes(InodeId.ROOT);
      InodeAttributes again = store.initRoot(new NewInode(InodeType.DIRECTORY, 0700, 5, 5, 0, later(), null));
      assertThat(again.id()).isEqualTo(InodeId.ROOT);
      assertThat(again.type()).isEqualTo(InodeType.DIRECTORY);
      assertThat(again.mode()).isEqualTo(first.mode());
      assertThat(again.uid()).isEqualTo(first.uid());
      assertThat(store.lookup(InodeId.ROOT, n("test-" + unique))).isPresent();
    }

    @Test
    void filesystemId_isMadeUpOnce_andStaysTheSame() throws Exception {
      String id = store.filesystemId();
      assertThat(id).matches("[A-Za-z0-9_.-]{1,64}");
      assertThat(store.filesystemId()).isEqualTo(id);
    }

    @Test
    void root_isItsOwnParent() throws Exception {
      assertThat(store.parentOf(InodeId.ROOT)).isEqualTo(InodeId.ROOT);
      assertThat(store.parentOf(work)).isEqualTo(InodeId.ROOT);
    }
  }

  @Nested
  class Create {
    @Test
    void create_file_hasTheSpecsAttributes() throws Exception {
      Instant t = later();
      InodeAttributes a = store.create(work, n("f"), new NewInode(InodeType.FILE, 0640, 42, 43, 0, t, null));
      assertThat(a.type()).isEqualTo(InodeType.FILE);
      assertThat(a.mode()).isEqualTo(0640);
      assertThat(a.uid()).isEqualTo(42);
      assertThat(a.gid()).isEqualTo(43);
      assertThat(a.size()).isZero();
      assertThat(a.nlink()).isEqualTo(1);
      assertThat(a.atime()).isEqualTo(t);
      assertThat(a.mtime()).isEqualTo(t);
      assertThat(a.ctime()).isEqualTo(t);
      assertThat(a.crtime()).isEqualTo(t);
      assertThat(store.getAttributes(a.id())).isEqualTo(a);
      DirEntry e = store.lookup(work, n("f")).orElseThrow();
      assertThat(e.inode()).isEqualTo(a.id());
      assertThat(e.parent()).isEqualTo(work);
      assertThat(e.name()).isEqualTo(n("f"));
      assertThat(e.type()).isEqualTo(InodeType.FILE);
    }

    @Test
    void create_givesDistinctIds() throws Exception {
      Set<InodeId> ids = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        ids.add(touch(work, "f" + i).id());
      }
      assertThat(ids).hasSize(20).doesNotContain(InodeId.ROOT, work);
    }

    @Test
    void create_updatesParentTimesAndSize() throws Exception {
      Instant t = later();
      store.create(work, n("a"), fileSpec(t));
      InodeAttributes p = store.getAttributes(work);
      assertThat(p.mtime()).isEqualTo(t);
      assertThat(p.ctime()).isEqualTo(t);
      assertThat(p.size()).isEqualTo(1);
      assertThat(p.nlink()).isEqualTo(2);
    }

    @Test
    void mkdir_hasTwoLinksAndNoEntries_andAddsALinkToItsParent() throws Exception {
      InodeAttributes d = mkdir(work, "d");
      assertThat(d.type()).isEqualTo(InodeType.DIRECTORY);
      assertThat(d.nlink()).isEqualTo(2);
      assertThat(d.size()).isZero();
      assertThat(store.getAttributes(work).nlink()).isEqualTo(3);
      assertThat(store.parentOf(d.id())).isEqualTo(work);
      assertThat(store.readDir(d.id(), 0, 10)).isEmpty();
      mkdir(work, "e");
      touch(work, "f");
      assertThat(store.getAttributes(work).nlink()).isEqualTo(4);
      assertDirectoryConsistent(work);
    }

    @Test
    void create_existingName_isEEXIST_andChangesNothing() throws Exception {
      InodeAttributes f = touch(work, "x");
      InodeAttributes before = store.getAttributes(work);
      assertError(FsError.EXISTS, () -> store.create(work, n("x"), fileSpec(later())));
      assertError(FsError.EXISTS, () -> store.create(work, n("x"), dirSpec(later())));
      assertThat(store.getAttributes(work)).isEqualTo(before);
      assertThat(inodeOf(work, "x")).isEqualTo(f.id());
    }

    @Test
    void create_inMissingParent_isENOENT() {
      assertError(FsError.NOT_FOUND, () -> store.create(InodeId.of(Long.MAX_VALUE / 2), n("x"), fileSpec(later())));
    }

    @Test
    void create_inFile_isENOTDIR() throws Exception {
      InodeId f = touch(work, "file").id();
      assertError(FsError.NOT_DIRECTORY, () -> store.create(f, n("x"), fileSpec(later())));
    }

    @Test
    void create_inRemovedDirectory_isENOENT() throws Exception {
      InodeId d = mkdir(work, "gone").id();
      store.unlink(work, n("gone"), true, later());
      assertError(FsError.NOT_FOUND, () -> store.create(d, n("x"), fileSpec(later())));
    }

    @Test
    void create_specialFiles_keepTypeAndRdev() throws Exception {
      InodeAttributes c = store.create(work, n("tty"), new NewInode(InodeType.CHAR_DEVICE, 0620, 0, 5, 0x0501, later(), null));
      InodeAttributes p = store.create(work, n("pipe"), new NewInode(InodeType.FIFO, 0600, 0, 0, 0, later(), null));
      assertThat(store.getAttributes(c.id()).rdev()).isEqualTo(0x0501);
      assertThat(store.getAttributes(c.id()).type()).isEqualTo(InodeType.CHAR_DEVICE);
      assertThat(store.getAttributes(p.id()).type()).isEqualTo(InodeType.FIFO);
      assertThat(store.lookup(work, n("pipe")).orElseThrow().type()).isEqualTo(InodeType.FIFO);
    }

    @Test
    void lookup_missingName_isEmpty() throws Exception {
      assertThat(store.lookup(work, n("nothing"))).isEmpty();
    }

    @Test
    void lookup_inFile_isENOTDIR_andInMissingDirectory_isENOENT() throws Exception {
      InodeId f = touch(work, "file").id();
      assertError(FsError.NOT_DIRECTORY, () -> store.lookup(f, n("x")));
      assertError(FsError.NOT_FOUND, () -> store.lookup(InodeId.of(Long.MAX_VALUE / 2), n("x")));
    }

    @Test
    void lookupAttributes_isTheNamedInodesAttributes_orEmpty() throws Exception {
      InodeAttributes f = touch(work, "f");
      InodeAttributes d = mkdir(work, "d");
      assertThat(store.lookupAttributes(work, n("f"))).contains(store.getAttributes(f.id()));
      assertThat(store.lookupAttributes(work, n("d"))).contains(store.getAttributes(d.id()));
      assertThat(store.lookupAttributes(work, n("nothing"))).isEmpty();
      assertError(FsError.NOT_DIRECTORY, () -> store.lookupAttributes(f.id(), n("x")));
      assertError(FsError.NOT_FOUND, () -> store.lookupAttributes(InodeId.of(Long.MAX_VALUE / 2), n("x")));
    }

    @Test
    void getAttributes_missing_isENOENT() {
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(InodeId.of(Long.MAX_VALUE / 2)));
    }

    @Test
    void parentOf_file_isENOTDIR_andMissing_isENOENT() throws Exception {
      InodeId f = touch(work, "file").id();
      assertError(FsError.NOT_DIRECTORY, () -> store.parentOf(f));
      assertError(FsError.NOT_FOUND, () -> store.parentOf(InodeId.of(Long.MAX_VALUE / 2)));
    }
  }

  @Nested
  class Names {
    @Test
    void caseDiffers_twoEntries() throws Exception {
      InodeId lower = touch(work, "a").id();
      InodeId upper = touch(work, "A").id();
      assertThat(lower).isNotEqualTo(upper);
      assertThat(inodeOf(work, "a")).isEqualTo(lower);
      assertThat(inodeOf(work, "A")).isEqualTo(upper);
      assertThat(names(work)).containsExactlyInAnyOrder("a", "A");
    }

    @Test
    void unicodeNormalisationsDiffer_andTrailingSpacesCount() throws Exception {
      InodeId nfc = touch(work, "caf\u00e9").id();
      InodeId nfd = touch(work, "cafe\u0301").id();
      InodeId plain = touch(work, "x").id();
      InodeId spaced = touch(work, "x ").id();
      assertThat(Set.of(nfc, nfd, plain, spaced)).hasSize(4);
      assertThat(inodeOf(work, "cafe\u0301")).isEqualTo(nfd);
      assertThat(inodeOf(work, "x ")).isEqualTo(spaced);
      assertThat(list(work).stream().map(DirEntry::name)).contains(n("caf\u00e9"), n("cafe\u0301"), n("x"), n("x "));
    }

    @Test
    void nameOf255Bytes_withMultiByteCharacters_roundTrips() throws Exception {
      String name = "\u00e9".repeat(127) + "z";
      assertThat(name.getBytes(StandardCharsets.UTF_8)).hasSize(255);
      InodeId id = touch(work, name).id();
      assertThat(inodeOf(work, name)).isEqualTo(id);
      DirEntry e = store.readDir(work, 0, 10).get(0);
      assertThat(e.name().bytes()).isEqualTo(name.getBytes(StandardCharsets.UTF_8));
      assertThat(e.name().toString()).isEqualTo(name);
    }

    @Test
    void emojiAndCjkNames_roundTrip() throws Exception {
      touch(work, "\ud83d\ude00.txt");
      touch(work, "\u6587\u4ef6");
      assertThat(names(work)).containsExactlyInAnyOrder("\ud83d\ude00.txt", "\u6587\u4ef6");
    }
  }

  @Nested
  class Symlinks {
    @Test
    void symlink_keepsItsTarget_andItsSizeIsTheTargetsByteLength() throws Exception {
      String target = "../d\u00e9j\u00e0/vu";
      InodeAttributes s = store.create(work, n("ln"),
          new NewInode(InodeType.SYMLINK, 0777, 1, 1, 0, later(), target));
      assertThat(s.type()).isEqualTo(InodeType.SYMLINK);
      assertThat(s.size()).isEqualTo(target.getBytes(StandardCharsets.UTF_8).length);
      assertThat(store.readSymlink(s.id())).isEqualTo(target);
      assertThat(store.lookup(work, n("ln")).orElseThrow().type()).isEqualTo(InodeType.SYMLINK);
    }

    @Test
    void readSymlink_ofNonSymlink_isEINVAL_andOfMissing_isENOENT() throws Exception {
      InodeId f = touch(work, "f").id();
      assertError(FsError.INVALID, () -> store.readSymlink(f));
      assertError(FsError.INVALID, () -> store.readSymlink(work));
      assertError(FsError.NOT_FOUND, () -> store.readSymlink(InodeId.of(Long.MAX_VALUE / 2)));
    }

    @Test
    void longSymlinkTarget_roundTrips() throws Exception {
      String target = "x/".repeat(2000);
      InodeId s = store.create(work, n("long"), new NewInode(InodeType.SYMLINK, 0777, 1, 1, 0, later(), target)).id();
      assertThat(store.readSymlink(s)).isEqualTo(target);
    }
  }

  @Nested
  class Links {
    @Test
    void link_addsAName_countsIt_andSetsCtime() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId d = mkdir(work, "d").id();
      Instant t = later();
      InodeAttributes a = store.link(f, d, n("g"), t);
      assertThat(a.nlink()).isEqualTo(2);
      assertThat(a.ctime()).isEqualTo(t);
      assertThat(inodeOf(d, "g")).isEqualTo(f);
      assertThat(store.getAttributes(d).size()).isEqualTo(1);
      assertThat(store.getAttributes(d).mtime()).isEqualTo(t);
      assertThat(store.getAttributes(d).nlink()).isEqualTo(2);
    }

    @Test
    void link_ofDirectory_isEPERM() throws Exception {
      InodeId d = mkdir(work, "d").id();
      assertError(FsError.NOT_PERMITTED, () -> store.link(d, work, n("d2"), later()));
      assertThat(store.lookup(work, n("d2"))).isEmpty();
    }

    @Test
    void link_ontoExistingName_isEEXIST() throws Exception {
      InodeId f = touch(work, "f").id();
      touch(work, "g");
      assertError(FsError.EXISTS, () -> store.link(f, work, n("g"), later()));
      assertThat(store.getAttributes(f).nlink()).isEqualTo(1);
    }

    @Test
    void link_ofMissingInode_isENOENT_andIntoFile_isENOTDIR() throws Exception {
      InodeId f = touch(work, "f").id();
      assertError(FsError.NOT_FOUND, () -> store.link(InodeId.of(Long.MAX_VALUE / 2), work, n("x"), later()));
      assertError(FsError.NOT_DIRECTORY, () -> store.link(f, f, n("x"), later()));
    }

    @Test
    void unlink_lastName_leavesAnOrphanUntilPurge() throws Exception {
      InodeId f = touch(work, "f").id();
      Instant t = later();
      InodeAttributes a = store.unlink(work, n("f"), false, t);
      assertThat(a.id()).isEqualTo(f);
      assertThat(a.nlink()).isZero();
      assertThat(a.ctime()).isEqualTo(t);
      assertThat(store.lookup(work, n("f"))).isEmpty();
      assertThat(store.getAttributes(f).nlink()).isZero();
      assertThat(store.orphans()).contains(f);
      InodeAttributes p = store.getAttributes(work);
      assertThat(p.size()).isZero();
      assertThat(p.mtime()).isEqualTo(t);
    }

    @Test
    void unlink_oneOfTwoNames_keepsTheOther() throws Exception {
      InodeId f = touch(work, "f").id();
      store.link(f, work, n("g"), later());
      InodeAttributes a = store.unlink(work, n("f"), false, later());
      assertThat(a.nlink()).isEqualTo(1);
      assertThat(inodeOf(work, "g")).isEqualTo(f);
      assertThat(store.orphans()).doesNotContain(f);
    }

    @Test
    void unlink_missing_isENOENT_andDirectory_isEISDIR() throws Exception {
      mkdir(work, "d");
      assertError(FsError.NOT_FOUND, () -> store.unlink(work, n("none"), false, later()));
      assertError(FsError.IS_DIRECTORY, () -> store.unlink(work, n("d"), false, later()));
      assertThat(store.lookup(work, n("d"))).isPresent();
    }

    @Test
    void unlink_symlink_removesIt() throws Exception {
      store.create(work, n("s"), new NewInode(InodeType.SYMLINK, 0777, 1, 1, 0, later(), "t"));
      assertThat(store.unlink(work, n("s"), false, later()).nlink()).isZero();
      assertThat(store.lookup(work, n("s"))).isEmpty();
    }
  }

  @Nested
  class Rmdir {
    @Test
    void rmdir_emptyDirectory_dropsItsLinks_andTheParentsLink() throws Exception {
      InodeId d = mkdir(work, "d").id();
      InodeAttributes a = store.unlink(work, n("d"), true, later());
      assertThat(a.id()).isEqualTo(d);
      assertThat(a.nlink()).isZero();
      assertThat(store.lookup(work, n("d"))).isEmpty();
      assertThat(store.getAttributes(work).nlink()).isEqualTo(2);
      assertThat(store.getAttributes(work).size()).isZero();
      assertThat(store.orphans()).contains(d);
    }

    @Test
    void rmdir_nonEmpty_isENOTEMPTY_andChangesNothing() throws Exception {
      InodeId d = mkdir(work, "d").id();
      touch(d, "f");
      assertError(FsError.NOT_EMPTY, () -> store.unlink(work, n("d"), true, later()));
      assertThat(store.getAttributes(d).nlink()).isEqualTo(2);
      assertThat(store.getAttributes(work).nlink()).isEqualTo(3);
      assertThat(names(d)).containsExactly("f");
    }

    @Test
    void rmdir_ofFile_isENOTDIR_andOfMissing_isENOENT() throws Exception {
      touch(work, "f");
      assertError(FsError.NOT_DIRECTORY, () -> store.unlink(work, n("f"), true, later()));
      assertError(FsError.NOT_FOUND, () -> store.unlink(work, n("none"), true, later()));
      assertThat(store.lookup(work, n("f"))).isPresent();
    }

    @Test
    void rmdir_afterItsEntriesAreGone_works() throws Exception {
      InodeId d = mkdir(work, "d").id();
      touch(d, "f");
      mkdir(d, "sub");
      store.unlink(d, n("f"), false, later());
      store.unlink(d, n("sub"), true, later());
      assertThat(store.getAttributes(d).nlink()).isEqualTo(2);
      assertThat(store.unlink(work, n("d"), true, later()).nlink()).isZero();
    }
  }

  @Nested
  class Rename {
    @Test
    void rename_fileWithinDirectory_movesTheName() throws Exception {
      InodeId f = touch(work, "a").id();
      Instant t = later();
      RenameResult r = store.rename(work, n("a"), work, n("b"), RenameFlags.NONE, t);
      assertThat(r.moved().id()).isEqualTo(f);
      assertThat(r.moved().ctime()).isEqualTo(t);
      assertThat(r.replaced()).isNull();
      assertThat(names(work)).containsExactly("b");
      InodeAttributes p = store.getAttributes(work);
      assertThat(p.size()).isEqualTo(1);
      assertThat(p.mtime()).isEqualTo(t);
      assertThat(p.ctime()).isEqualTo(t);
    }

    @Test
    void rename_fileAcrossDirectories_updatesBothParents() throws Exception {
      InodeId a = mkdir(work, "a").id();
      InodeId b = mkdir(work, "b").id();
      InodeId f = touch(a, "f").id();
      Instant t = later();
      store.rename(a, n("f"), b, n("g"), RenameFlags.NONE, t);
      assertThat(store.lookup(a, n("f"))).isEmpty();
      assertThat(inodeOf(b, "g")).isEqualTo(f);
      assertThat(store.getAttributes(a).size()).isZero();
      assertThat(store.getAttributes(b).size()).isEqualTo(1);
      assertThat(store.getAttributes(a).mtime()).isEqualTo(t);
      assertThat(store.getAttributes(b).mtime()).isEqualTo(t);
      assertThat(store.getAttributes(f).nlink()).isEqualTo(1);
    }

    @Test
    void rename_overExistingFile_replacesIt_andReturnsTheOrphan() throws Exception {
      InodeId src = touch(work, "src").id();
      InodeId dst = touch(work, "dst").id();
      RenameResult r = store.rename(work, n("src"), work, n("dst"), RenameFlags.NONE, later());
      assertThat(r.moved().id()).isEqualTo(src);
      assertThat(r.replaced().id()).isEqualTo(dst);
      assertThat(r.replaced().nlink()).isZero();
      assertThat(inodeOf(work, "dst")).isEqualTo(src);
      assertThat(names(work)).containsExactly("dst");
      assertThat(store.orphans()).contains(dst);
      assertThat(store.getAttributes(work).size()).isEqualTo(1);
    }

    @Test
    void rename_overFileWithAnotherName_leavesItLinked() throws Exception {
      touch(work, "src");
      InodeId dst = touch(work, "dst").id();
      store.link(dst, work, n("other"), later());
      RenameResult r = store.rename(work, n("src"), work, n("dst"), RenameFlags.NONE, later());
      assertThat(r.replaced().nlink()).isEqualTo(1);
      assertThat(inodeOf(work, "other")).isEqualTo(dst);
    }

    @Test
    void rename_directoryOverEmptyDirectory_replacesIt() throws Exception {
      InodeId a = mkdir(work, "a").id();
      InodeId sub = mkdir(a, "src").id();
      InodeId b = mkdir(work, "b").id();
      InodeId empty = mkdir(b, "dst").id();
      RenameResult r = store.rename(a, n("src"), b, n("dst"), RenameFlags.NONE, later());
      assertThat(r.replaced().id()).isEqualTo(empty);
      assertThat(r.replaced().nlink()).isZero();
      assertThat(inodeOf(b, "dst")).isEqualTo(sub);
      assertThat(store.parentOf(sub)).isEqualTo(b);
      assertThat(store.getAttributes(a).nlink()).isEqualTo(2);
      assertThat(store.getAttributes(b).nlink()).isEqualTo(3);
      assertDirectoryConsistent(a);
      assertDirectoryConsistent(b);
    }

    @Test
    void rename_directoryOverNonEmptyDirectory_isENOTEMPTY() throws Exception {
      mkdir(work, "src");
      InodeId dst = mkdir(work, "dst").id();
      touch(dst, "f");
      assertError(FsError.NOT_EMPTY, () -> store.rename(work, n("src"), work, n("dst"), RenameFlags.NONE, later()));
      assertThat(names(work)).containsExactlyInAnyOrder("src", "dst");
    }

    @Test
    void rename_directoryOverFile_isENOTDIR_andFileOverDirectory_isEISDIR() throws Exception {
      mkdir(work, "d");
      touch(work, "f");
      assertError(FsError.NOT_DIRECTORY, () -> store.rename(work, n("d"), work, n("f"), RenameFlags.NONE, later()));
      assertError(FsError.IS_DIRECTORY, () -> store.rename(work, n("f"), work, n("d"), RenameFlags.NONE, later()));
      assertDirectoryConsistent(work);
      assertThat(names(work)).containsExactlyInAnyOrder("d", "f");
    }

    @Test
    void rename_missingSource_isENOENT() throws Exception {
      assertError(FsError.NOT_FOUND, () -> store.rename(work, n("none"), work, n("x"), RenameFlags.NONE, later()));
    }

    @Test
    void rename_intoMissingOrNonDirectory_fails() throws Exception {
      InodeId f = touch(work, "f").id();
      assertError(FsError.NOT_DIRECTORY, () -> store.rename(work, n("f"), f, n("x"), RenameFlags.NONE, later()));
      assertError(FsError.NOT_FOUND,
          () -> store.rename(work, n("f"), InodeId.of(Long.MAX_VALUE / 2), n("x"), RenameFlags.NONE, later()));
      assertThat(inodeOf(work, "f")).isEqualTo(f);
    }

    @Test
    void rename_noReplace_ontoExistingName_isEEXIST_andOntoFreeName_moves() throws Exception {
      InodeId a = touch(work, "a").id();
      InodeId b = touch(work, "b").id();
      assertError(FsError.EXISTS, () -> store.rename(work, n("a"), work, n("b"), RenameFlags.NOREPLACE, later()));
      assertThat(inodeOf(work, "a")).isEqualTo(a);
      assertThat(inodeOf(work, "b")).isEqualTo(b);
      store.rename(work, n("a"), work, n("c"), RenameFlags.NOREPLACE, later());
      assertThat(inodeOf(work, "c")).isEqualTo(a);
    }

    @Test
    void rename_exchange_swapsTwoFilesInOneDirectory() throws Exception {
      InodeId a = touch(work, "a").id();
      InodeId b = touch(work, "b").id();
      RenameResult r = store.rename(work, n("a"), work, n("b"), RenameFlags.EXCHANGE, later());
      assertThat(r.replaced()).isNull();
      assertThat(r.moved().id()).isEqualTo(a);
      assertThat(inodeOf(work, "a")).isEqualTo(b);
      assertThat(inodeOf(work, "b")).isEqualTo(a);
      assertThat(store.getAttributes(a).nlink()).isEqualTo(1);
      assertThat(store.getAttributes(b).nlink()).isEqualTo(1);
      assertDirectoryConsistent(work);
    }

    @Test
    void rename_exchange_directoryAndFileAcrossDirectories_movesLinksAndParents() throws Exception {
      InodeId x = mkdir(work, "x").id();
      InodeId y = mkdir(work, "y").id();
      InodeId dir = mkdir(x, "d").id();
      touch(dir, "inside");
      InodeId file = touch(y, "f").id();
      Instant t = later();
      store.rename(x, n("d"), y, n("f"), RenameFlags.EXCHANGE, t);
      assertThat(inodeOf(x, "d")).isEqualTo(file);
      assertThat(inodeOf(y, "f")).isEqualTo(dir);
      assertThat(store.lookup(x, n("d")).orElseThrow().type()).isEqualTo(InodeType.FILE);
      assertThat(store.lookup(y, n("f")).orElseThrow().type()).isEqualTo(InodeType.DIRECTORY);
      assertThat(store.parentOf(dir)).isEqualTo(y);
      assertThat(store.getAttributes(x).nlink()).isEqualTo(2);
      assertThat(store.getAttributes(y).nlink()).isEqualTo(3);
      assertThat(store.getAttributes(dir).ctime()).isEqualTo(t);
      assertThat(store.getAttributes(file).ctime()).isEqualTo(t);
      assertThat(names(dir)).containsExactly("inside");
      assertDirectoryConsistent(x);
      assertDirectoryConsistent(y);
    }

    @Test
    void rename_exchange_twoDirectoriesAcrossDirectories_swapsParents() throws Exception {
      InodeId x = mkdir(work, "x").id();
      InodeId y = mkdir(work, "y").id();
      InodeId dx = mkdir(x, "dx").id();
      InodeId dy = mkdir(y, "dy").id();
      store.rename(x, n("dx"), y, n("dy"), RenameFlags.EXCHANGE, later());
      assertThat(store.parentOf(dx)).isEqualTo(y);
      assertThat(store.parentOf(dy)).isEqualTo(x);
      assertThat(store.getAttributes(x).nlink()).isEqualTo(3);
      assertThat(store.getAttributes(y).nlink()).isEqualTo(3);
      assertDirectoryConsistent(x);
      assertDirectoryConsistent(y);
    }

    @Test
    void rename_exchange_withMissingTarget_isENOENT() throws Exception {
      InodeId a = touch(work, "a").id();
      assertError(FsError.NOT_FOUND, () -> store.rename(work, n("a"), work, n("none"), RenameFlags.EXCHANGE, later()));
      assertThat(inodeOf(work, "a")).isEqualTo(a);
      assertThat(store.lookup(work, n("none"))).isEmpty();
    }

    @Test
    void rename_exchange_thatMovesADirectoryIntoItself_isEINVAL() throws Exception {
      InodeId a = mkdir(work, "a").id();
      InodeId b = mkdir(a, "b").id();
      touch(b, "c");
      assertError(FsError.INVALID, () -> store.rename(work, n("a"), b, n("c"), RenameFlags.EXCHANGE, later()));
      assertThat(inodeOf(work, "a")).isEqualTo(a);
      assertThat(store.parentOf(a)).isEqualTo(work);
    }

    @Test
    void rename_ontoAnotherNameOfTheSameInode_changesNothing() throws Exception {
      InodeId f = touch(work, "a").id();
      store.link(f, work, n("b"), later());
      InodeAttributes dirBefore = store.getAttributes(work);
      RenameResult r = store.rename(work, n("a"), work, n("b"), RenameFlags.NONE, later());
      assertThat(r.moved().id()).isEqualTo(f);
      assertThat(r.replaced()).isNull();
      assertThat(names(work)).containsExactlyInAnyOrder("a", "b");
      assertThat(store.getAttributes(f).nlink()).isEqualTo(2);
      assertThat(store.getAttributes(work)).isEqualTo(dirBefore);
    }

    @Test
    void rename_ontoItself_changesNothing() throws Exception {
      InodeId d = mkdir(work, "d").id();
      store.rename(work, n("d"), work, n("d"), RenameFlags.NONE, later());
      assertThat(inodeOf(work, "d")).isEqualTo(d);
      assertDirectoryConsistent(work);
    }

    @Test
    void rename_directoryIntoItsOwnSubtree_isEINVAL() throws Exception {
      InodeId a = mkdir(work, "a").id();
      InodeId b = mkdir(a, "b").id();
      InodeId c = mkdir(b, "c").id();
      assertError(FsError.INVALID, () -> store.rename(work, n("a"), c, n("a"), RenameFlags.NONE, later()));
      assertError(FsError.INVALID, () -> store.rename(work, n("a"), a, n("self"), RenameFlags.NONE, later()));
      assertError(FsError.INVALID, () -> store.rename(work, n("a"), b, n("x"), RenameFlags.NOREPLACE, later()));
      assertThat(store.parentOf(a)).isEqualTo(work);
      assertThat(inodeOf(work, "a")).isEqualTo(a);
      assertDirectoryConsistent(work);
      assertDirectoryConsistent(a);
    }

    @Test
    void rename_directoryAcrossDirectories_updatesParentOfAndLinkCounts() throws Exception {
      InodeId a = mkdir(work, "a").id();
      InodeId b = mkdir(work, "b").id();
      InodeId d = mkdir(a, "d").id();
      InodeId deep = mkdir(d, "deep").id();
      store.rename(a, n("d"), b, n("moved"), RenameFlags.NONE, later());
      assertThat(store.parentOf(d)).isEqualTo(b);
      assertThat(store.parentOf(deep)).isEqualTo(d);
      assertThat(store.getAttributes(a).nlink()).isEqualTo(2);
      assertThat(store.getAttributes(b).nlink()).isEqualTo(3);
      assertThat(store.getAttributes(d).nlink()).isEqualTo(3);
      assertThat(inodeOf(b, "moved")).isEqualTo(d);
      assertDirectoryConsistent(a);
      assertDirectoryConsistent(b);
    }

    @Test
    void rename_directoryUpToAnAncestor_works() throws Exception {
      InodeId a = mkdir(work, "a").id();
      InodeId b = mkdir(a, "b").id();
      InodeId c = mkdir(b, "c").id();
      store.rename(b, n("c"), work, n("c"), RenameFlags.NONE, later());
      assertThat(store.parentOf(c)).isEqualTo(work);
      assertDirectoryConsistent(work);
      assertDirectoryConsistent(b);
    }

    @Test
    void rename_entryGetsACookieAfterEveryEarlierOne() throws Exception {
      touch(work, "a");
      touch(work, "b");
      DirEntry b = store.lookup(work, n("b")).orElseThrow();
      store.rename(work, n("a"), work, n("c"), RenameFlags.NONE, later());
      DirEntry c = store.lookup(work, n("c")).orElseThrow();
      assertThat(c.cookie()).isGreaterThan(b.cookie());
    }
  }

  @Nested
  class ReadDir {
    @Test
    void readDir_pagesInCookieOrder_eachEntryOnce_withoutDotEntries() throws Exception {
      Set<String> made = new HashSet<>();
      for (int i = 0; i < 50; i++) {
        touch(work, "f" + i);
        made.add("f" + i);
      }
      List<DirEntry> all = list(work);
      assertThat(all).extracting(e -> e.name().toString()).containsExactlyInAnyOrderElementsOf(made);
      for (int i = 1; i < all.size(); i++) {
        assertThat(all.get(i).cookie()).isGreaterThan(all.get(i - 1).cookie());
      }
      assertThat(all).allSatisfy(e -> {
        assertThat(e.parent()).isEqualTo(work);
        assertThat(e.name().isDotOrDotDot()).isFalse();
        assertThat(e.cookie()).isPositive();
      });
      assertThat(store.readDir(work, 0, 10)).hasSize(10);
      assertThat(store.readDir(work, all.get(all.size() - 1).cookie(), 10)).isEmpty();
    }

    @Test
    void readDir_cookiesStayValidWhileTheDirectoryChanges() throws Exception {
      for (int i = 0; i < 30; i++) {
        touch(work, "f" + i);
      }
      List<DirEntry> first = store.readDir(work, 0, 10);
      Set<String> seen = new HashSet<>();
      first.forEach(e -> seen.add(e.name().toString()));
      long cookie = first.get(first.size() - 1).cookie();
      List<DirEntry> rest = list(work).subList(10, 30);
      // Remove two already returned and two not yet returned entries, add three new ones.
      store.unlink(work, first.get(0).name(), false, later());
      store.unlink(work, first.get(5).name(), false, later());
      store.unlink(work, rest.get(0).name(), false, later());
      store.unlink(work, rest.get(19).name(), false, later());
      touch(work, "new1");
      touch(work, "new2");
      touch(work, first.get(0).name().toString());
      List<String> continued = new ArrayList<>();
      while (true) {
        List<DirEntry> page = store.readDir(work, cookie, 4);
        if (page.isEmpty()) {
          break;
        }
        page.forEach(e -> continued.add(e.name().toString()));
        cookie = page.get(page.size() - 1).cookie();
      }
      List<String> expected = new ArrayList<>();
      rest.subList(1, 19).forEach(e -> expected.add(e.name().toString()));
      expected.add("new1");
      expected.add("new2");
      expected.add(first.get(0).name().toString());
      assertThat(continued).containsExactlyElementsOf(expected);
      assertThat(continued).doesNotContainAnyElementsOf(
          seen.stream().filter(s -> !s.equals(first.get(0).name().toString())).toList());
    }

    @Test
    void readDir_newEntriesGetLargerCookies_evenAfterTheLastOneIsRemoved() throws Exception {
      touch(work, "a");
      touch(work, "b");
      long bCookie = store.lookup(work, n("b")).orElseThrow().cookie();
      store.unlink(work, n("b"), false, later());
      touch(work, "c");
      assertThat(store.lookup(work, n("c")).orElseThrow().cookie()).isGreaterThan(bCookie);
      assertThat(store.readDir(work, bCookie, 10)).extracting(e -> e.name().toString()).containsExactly("c");
    }

    @Test
    void readDir_ofFile_isENOTDIR_ofMissing_isENOENT_andZeroLimit_isEmpty() throws Exception {
      InodeId f = touch(work, "f").id();
      assertError(FsError.NOT_DIRECTORY, () -> store.readDir(f, 0, 10));
      assertError(FsError.NOT_FOUND, () -> store.readDir(InodeId.of(Long.MAX_VALUE / 2), 0, 10));
      assertThat(store.readDir(work, 0, 0)).isEmpty();
    }

    @Test
    void readDir_entriesCarryInodeAndType() throws Exception {
      InodeId d = mkdir(work, "d").id();
      InodeId f = touch(work, "f").id();
      Map<String, DirEntry> byName = new HashMap<>();
      list(work).forEach(e -> byName.put(e.name().toString(), e));
      assertThat(byName.get("d").inode()).isEqualTo(d);
      assertThat(byName.get("d").type()).isEqualTo(InodeType.DIRECTORY);
      assertThat(byName.get("f").inode()).isEqualTo(f);
      assertThat(byName.get("f").type()).isEqualTo(InodeType.FILE);
    }
  }

  @Nested
  class SetAttributes {
    @Test
    void setAttributes_writesGivenFields_keepsOthers_andKeepsTheVersion() throws Exception {
      InodeAttributes f = touch(work, "f");
      Instant a = later();
      Instant c = later();
      InodeAttributes r = store.setAttributes(f.id(), new AttrUpdate(0600, null, 7, a, null, c));
      assertThat(r.mode()).isEqualTo(0600);
      assertThat(r.uid()).isEqualTo(f.uid());
      assertThat(r.gid()).isEqualTo(7);
      assertThat(r.atime()).isEqualTo(a);
      assertThat(r.mtime()).isEqualTo(f.mtime());
      assertThat(r.ctime()).isEqualTo(c);
      assertThat(r.version()).isEqualTo(f.version());
      assertThat(r.size()).isEqualTo(f.size());
      assertThat(store.getAttributes(f.id())).isEqualTo(r);
      Instant m = later();
      InodeAttributes r2 = store.setAttributes(f.id(), new AttrUpdate(null, 9, null, null, m, null));
      assertThat(r2.uid()).isEqualTo(9);
      assertThat(r2.mode()).isEqualTo(0600);
      assertThat(r2.mtime()).isEqualTo(m);
    }

    @Test
    void setAttributes_setuidBitsAndDirectories() throws Exception {
      InodeId d = mkdir(work, "d").id();
      assertThat(store.setAttributes(d, new AttrUpdate(01777, null, null, null, null, null)).mode()).isEqualTo(01777);
      InodeId f = touch(work, "f").id();
      assertThat(store.setAttributes(f, new AttrUpdate(06755, null, null, null, null, null)).mode()).isEqualTo(06755);
    }

    @Test
    void setAttributes_ofMissingInode_isENOENT() {
      assertError(FsError.NOT_FOUND, () -> store.setAttributes(InodeId.of(Long.MAX_VALUE / 2),
          new AttrUpdate(0600, null, null, null, null, null)));
    }
  }

  @Nested
  class Content {
    @Test
    void commit_setsChunksSizeAndMtime_andIncrementsTheVersion() throws Exception {
      InodeAttributes f = touch(work, "f");
      Instant t = later();
      CommitResult r = store.commitContent(new ContentCommit(f.id(), f.version(), 150,
          List.of(chunk(1, blob("b1"), 50), chunk(0, blob("b0"), 100)), Long.MAX_VALUE, t, 0));
      assertThat(r.attributes().version()).isEqualTo(f.version() + 1);
      assertThat(r.attributes().size()).isEqualTo(150);
      assertThat(r.attributes().mtime()).isEqualTo(t);
      assertThat(r.attributes().ctime()).isEqualTo(t);
      assertThat(r.unreferenced()).isEmpty();
      assertThat(store.getAttributes(f.id())).isEqualTo(r.attributes());
      assertThat(store.chunks(f.id())).containsExactly(chunk(0, blob("b0"), 100), chunk(1, blob("b1"), 50));
    }

    /** The kernel's coarse write times may lie just before the inode's ctime: mtime takes it, ctime never goes back. */
    @Test
    void commit_withAnMtimeBeforeTheCtime_setsTheMtime_andKeepsTheCtime() throws Exception {
      InodeAttributes f = touch(work, "f");
      Instant earlier = f.ctime().minusMillis(3);
      CommitResult r = store.commitContent(new ContentCommit(f.id(), f.version(), 5, List.of(chunk(0, blob("e"), 5)),
          Long.MAX_VALUE, earlier, 0));
      assertThat(r.attributes().mtime()).isEqualTo(earlier);
      assertThat(r.attributes().ctime()).isEqualTo(f.ctime());
      assertThat(store.getAttributes(f.id())).isEqualTo(r.attributes());
    }

    @Test
    void commit_withWrongVersion_isESTALE_andChangesNothing() throws Exception {
      InodeAttributes f = touch(work, "f");
      commit(f.id(), 10, Long.MAX_VALUE, List.of(chunk(0, blob("a"), 10)));
      InodeAttributes before = store.getAttributes(f.id());
      assertError(FsError.STALE, () -> store.commitContent(new ContentCommit(f.id(), f.version(), 99,
          List.of(chunk(0, blob("b"), 99)), 0, later(), 0)));
      assertThat(store.getAttributes(f.id())).isEqualTo(before);
      assertThat(store.chunks(f.id())).containsExactly(chunk(0, blob("a"), 10));
      assertThat(store.liveBlobs(blob("b").value(), 1000).stream().filter(b -> b.equals(blob("b")))).isEmpty();
    }

    @Test
    void commit_upsertReplacesAChunk_andDropFromIndexTruncates() throws Exception {
      InodeId f = touch(work, "f").id();
      commit(f, 400, Long.MAX_VALUE,
          List.of(chunk(0, blob("0"), 100), chunk(1, blob("1"), 100), chunk(2, blob("2"), 100), chunk(3, blob("3"), 100)));
      CommitResult r = commit(f, 200, Long.MAX_VALUE, List.of(chunk(1, blob("1b"), 100)));
      assertThat(r.unreferenced()).containsExactly(blob("1"));
      assertThat(store.chunks(f)).extracting(ChunkRef::blob)
          .containsExactly(blob("0"), blob("1b"), blob("2"), blob("3"));
      CommitResult t = commit(f, 150, 2, List.of(chunk(1, blob("1c"), 50)));
      assertThat(t.unreferenced()).containsExactlyInAnyOrder(blob("1b"), blob("2"), blob("3"));
      assertThat(store.chunks(f)).containsExactly(chunk(0, blob("0"), 100), chunk(1, blob("1c"), 50));
      assertThat(t.attributes().size()).isEqualTo(150);
      CommitResult zero = commit(f, 0, 0, List.of());
      assertThat(store.chunks(f)).isEmpty();
      assertThat(zero.unreferenced()).containsExactlyInAnyOrder(blob("0"), blob("1c"));
    }

    @Test
    void commit_keepsHoles_andAnUpsertAboveDropFromIndexSurvives() throws Exception {
      InodeId f = touch(work, "f").id();
      commit(f, 1000, 0, List.of(chunk(9, blob("nine"), 100)));
      assertThat(store.chunks(f)).containsExactly(chunk(9, blob("nine"), 100));
    }

    @Test
    void commit_removesItsJournalEntry_inTheSameTransaction() throws Exception {
      InodeAttributes f = touch(work, "f");
      JournalEntry j = store.journalAppend(new JournalEntry(0, f.id(), owner(), f.version(), new byte[] {1}, later()));
      JournalEntry other = store.journalAppend(new JournalEntry(0, f.id(), owner(), f.version(), new byte[] {2}, later()));
      store.commitContent(new ContentCommit(f.id(), f.version(), 1, List.of(chunk(0, blob("x"), 1)), Long.MAX_VALUE,
          later(), j.id()));
      assertThat(store.journal(owner())).extracting(JournalEntry::id).containsExactly(other.id());
    }

    @Test
    void commit_thatFails_keepsTheJournalEntry() throws Exception {
      InodeAttributes f = touch(work, "f");
      JournalEntry j = store.journalAppend(new JournalEntry(0, f.id(), owner(), f.version(), new byte[] {1}, later()));
      assertError(FsError.STALE, () -> store.commitContent(new ContentCommit(f.id(), f.version() + 5, 1,
          List.of(chunk(0, blob("x"), 1)), Long.MAX_VALUE, later(), j.id())));
      assertThat(store.journal(owner())).extracting(JournalEntry::id).containsExactly(j.id());
    }

    @Test
    void commit_ofMissingInode_isENOENT() {
      assertError(FsError.NOT_FOUND, () -> store.commitContent(new ContentCommit(InodeId.of(Long.MAX_VALUE / 2), 0, 1,
          List.of(), Long.MAX_VALUE, later(), 0)));
    }

    @Test
    void blobSharedByTwoFiles_staysLiveUntilBothDropIt_thenIsReleasedAfterTheGracePeriod() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      BlobRef shared = blob("shared");
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, shared, 10)));
      commit(g, 10, Long.MAX_VALUE, List.of(chunk(0, shared, 10)));
      assertThat(liveBlobs()).contains(shared);
      CommitResult first = commit(f, 0, 0, List.of());
      assertThat(first.unreferenced()).doesNotContain(shared);
      assertThat(liveBlobs()).contains(shared);
      Instant beforeUnreferenced = storeClockNow().minus(Duration.ofHours(1));
      CommitResult second = commit(g, 0, 0, List.of());
      assertThat(second.unreferenced()).containsExactly(shared);
      assertThat(liveBlobs()).doesNotContain(shared);
      assertThat(takeAll(beforeUnreferenced)).doesNotContain(shared);
      Instant afterGrace = storeClockNow().plus(Duration.ofHours(1));
      assertThat(takeAll(afterGrace)).contains(shared);
      assertThat(takeAll(afterGrace)).doesNotContain(shared);
    }

    @Test
    void blobReferencedAgain_isNotReleasable() throws Exception {
      InodeId f = touch(work, "f").id();
      BlobRef b = blob("again");
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, b, 10)));
      assertThat(commit(f, 0, 0, List.of()).unreferenced()).containsExactly(b);
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, b, 10)));
      assertThat(takeAll(storeClockNow().plus(Duration.ofHours(1)))).doesNotContain(b);
      assertThat(liveBlobs()).contains(b);
    }

    @Test
    void sameBlobAtTwoIndexesOfOneFile_isCountedTwice() throws Exception {
      InodeId f = touch(work, "f").id();
      BlobRef zeros = blob("zeros");
      commit(f, 20, Long.MAX_VALUE, List.of(chunk(0, zeros, 10), chunk(1, zeros, 10)));
      assertThat(commit(f, 10, 1, List.of()).unreferenced()).isEmpty();
      assertThat(liveBlobs()).contains(zeros);
      assertThat(commit(f, 0, 0, List.of()).unreferenced()).containsExactly(zeros);
    }

    @Test
    void takeReleasableBlobs_honoursItsLimit() throws Exception {
      InodeId f = touch(work, "f").id();
      List<ChunkRef> chunks = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        chunks.add(chunk(i, blob("lim" + i), 1));
      }
      commit(f, 5, Long.MAX_VALUE, chunks);
      commit(f, 0, 0, List.of());
      Instant after = storeClockNow().plus(Duration.ofHours(1));
      Set<BlobRef> taken = new HashSet<>();
      List<BlobRef> page;
      do {
        page = store.takeReleasableBlobs(after, 2);
        assertThat(page.size()).isLessThanOrEqualTo(2);
        for (BlobRef b : page) {
          assertThat(taken.add(b)).as("taken twice: %s", b).isTrue();
        }
      } while (!page.isEmpty());
      assertThat(taken).containsAll(chunks.stream().map(ChunkRef::blob).toList());
    }

    @Test
    void liveBlobs_pagesInValueOrder() throws Exception {
      InodeId f = touch(work, "f").id();
      List<ChunkRef> chunks = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        chunks.add(chunk(i, blob(String.format("live%02d", 11 - i)), 1));
      }
      commit(f, 12, Long.MAX_VALUE, chunks);
      List<BlobRef> all = liveBlobs();
      List<String> mine = all.stream().map(BlobRef::value).filter(v -> v.startsWith(blob("live").value())).toList();
      assertThat(mine).hasSize(12).isSorted();
      List<String> values = all.stream().map(BlobRef::value).toList();
      assertThat(values).isSorted();
      List<BlobRef> after = store.liveBlobs(blob("live05").value(), 3);
      assertThat(after).containsExactly(blob("live06"), blob("live07"), blob("live08"));
    }

    private List<BlobRef> liveBlobs() throws FsException {
      List<BlobRef> all = new ArrayList<>();
      String after = null;
      while (true) {
        List<BlobRef> page = store.liveBlobs(after, 5);
        if (page.isEmpty()) {
          return all;
        }
        all.addAll(page);
        after = page.get(page.size() - 1).value();
      }
    }

    private List<BlobRef> takeAll(Instant before) throws FsException {
      List<BlobRef> all = new ArrayList<>();
      List<BlobRef> page;
      do {
        page = store.takeReleasableBlobs(before, 50);
        all.addAll(page);
      } while (!page.isEmpty());
      return all;
    }
  }

  @Nested
  class Purge {
    @Test
    void purge_ofLinkedInode_isEBUSY() throws Exception {
      InodeId f = touch(work, "f").id();
      assertError(FsError.BUSY, () -> store.purge(f));
      assertThat(store.getAttributes(f).nlink()).isEqualTo(1);
    }

    @Test
    void purge_ofOrphan_deletesItWithChunksAndXattrs_andReleasesItsBlobs() throws Exception {
      InodeId f = touch(work, "f").id();
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, blob("p"), 10)));
      store.setXattr(f, "user.k", new byte[] {1}, XattrMode.EITHER, later());
      store.unlink(work, n("f"), false, later());
      CommitResult r = store.purge(f);
      assertThat(r.attributes()).isNull();
      assertThat(r.unreferenced()).containsExactly(blob("p"));
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(f));
      assertThat(store.orphans()).doesNotContain(f);
      assertThat(store.takeReleasableBlobs(storeClockNow().plus(Duration.ofHours(1)), 1000)).contains(blob("p"));
    }

    @Test
    void purge_isIdempotent() throws Exception {
      InodeId f = touch(work, "f").id();
      store.unlink(work, n("f"), false, later());
      store.purge(f);
      CommitResult again = store.purge(f);
      assertThat(again.unreferenced()).isEmpty();
      assertThat(store.purge(InodeId.of(Long.MAX_VALUE / 2)).unreferenced()).isEmpty();
    }

    @Test
    void purge_ofRemovedDirectory_works() throws Exception {
      InodeId d = mkdir(work, "d").id();
      store.unlink(work, n("d"), true, later());
      store.purge(d);
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(d));
    }

    @Test
    void orphans_listsUnlinkedInodesOnly() throws Exception {
      InodeId a = touch(work, "a").id();
      InodeId b = touch(work, "b").id();
      store.unlink(work, n("a"), false, later());
      assertThat(store.orphans()).contains(a).doesNotContain(b, work, InodeId.ROOT);
    }
  }

  /** {@code unlink(..., purgeIfOrphan)}: the unlink and the purge of the inode it orphans in one transaction. */
  @Nested
  class UnlinkWithPurge {
    @Test
    void lastName_removesTheEntryAndTheInode_withItsChunksAndXattrs() throws Exception {
      InodeId f = touch(work, "f").id();
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, blob("u"), 10)));
      store.setXattr(f, "user.k", new byte[] {1}, XattrMode.EITHER, later());
      Instant t = later();
      UnlinkResult r = store.unlink(work, n("f"), false, t, f);
      assertThat(r.purged()).isTrue();
      assertThat(r.unlinked().id()).isEqualTo(f);
      assertThat(r.unlinked().nlink()).isZero();
      assertThat(r.unreferenced()).containsExactly(blob("u"));
      assertThat(store.lookup(work, n("f"))).isEmpty();
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(f));
      assertThat(store.orphans()).doesNotContain(f);
      assertThat(store.purge(f).unreferenced()).isEmpty(); // already gone: purge stays idempotent
      InodeAttributes p = store.getAttributes(work);
      assertThat(p.size()).isZero();
      assertThat(p.mtime()).isEqualTo(t);
      assertThat(store.takeReleasableBlobs(storeClockNow().plus(Duration.ofHours(1)), 1000)).contains(blob("u"));
    }

    @Test
    void aBlobAnotherFileStillUses_staysReferenced() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, blob("shared"), 10)));
      commit(g, 10, Long.MAX_VALUE, List.of(chunk(0, blob("shared"), 10)));
      UnlinkResult r = store.unlink(work, n("f"), false, later(), f);
      assertThat(r.purged()).isTrue();
      assertThat(r.unreferenced()).isEmpty();
      assertThat(store.chunks(g)).hasSize(1);
      assertThat(store.takeReleasableBlobs(storeClockNow().plus(Duration.ofHours(1)), 1000))
          .doesNotContain(blob("shared"));
    }

    @Test
    void anInodeWithAnotherName_isOnlyUnlinked() throws Exception {
      InodeId f = touch(work, "f").id();
      commit(f, 10, Long.MAX_VALUE, List.of(chunk(0, blob("v"), 10)));
      store.link(f, work, n("g"), later());
      UnlinkResult r = store.unlink(work, n("f"), false, later(), f);
      assertThat(r.purged()).isFalse();
      assertThat(r.unlinked().nlink()).isEqualTo(1);
      assertThat(r.unreferenced()).isEmpty();
      assertThat(store.chunks(f)).hasSize(1);
      assertThat(inodeOf(work, "g")).isEqualTo(f);
    }

    @Test
    void withoutAnInode_leavesAnOrphan() throws Exception {
      InodeId f = touch(work, "f").id();
      UnlinkResult r = store.unlink(work, n("f"), false, later(), null);
      assertThat(r.purged()).isFalse();
      assertThat(r.unlinked().nlink()).isZero();
      assertThat(store.orphans()).contains(f);
      assertThat(store.getAttributes(f).nlink()).isZero();
    }

    @Test
    void anEntryThatNamesAnotherInode_isUnlinkedWithoutAPurge() throws Exception {
      InodeId stale = touch(work, "old").id();
      InodeId f = touch(work, "f").id();
      // the caller's view is stale: "f" was replaced by another file since it looked
      store.rename(work, n("old"), work, n("f"), RenameFlags.NONE, later());
      UnlinkResult r = store.unlink(work, n("f"), false, later(), f);
      assertThat(r.purged()).isFalse();
      assertThat(r.unlinked().id()).isEqualTo(stale);
      assertThat(r.unlinked().nlink()).isZero();
      assertThat(store.orphans()).contains(stale, f); // f was orphaned by the rename, stale by the unlink
    }

    @Test
    void answersLikeUnlink_whenTheEntryIsWrong() throws Exception {
      InodeId d = mkdir(work, "d").id();
      InodeId f = touch(work, "f").id();
      assertError(FsError.IS_DIRECTORY, () -> store.unlink(work, n("d"), false, later(), d));
      assertError(FsError.NOT_DIRECTORY, () -> store.unlink(work, n("f"), true, later(), f));
      assertError(FsError.NOT_FOUND, () -> store.unlink(work, n("none"), false, later(), f));
      assertError(FsError.NOT_FOUND, () -> store.unlink(InodeId.of(Long.MAX_VALUE / 2), n("f"), false, later(), f));
      assertError(FsError.NOT_DIRECTORY, () -> store.unlink(f, n("x"), false, later(), f));
      assertThat(store.getAttributes(d).nlink()).isEqualTo(2);
      assertThat(store.getAttributes(f).nlink()).isEqualTo(1);
    }

    @Test
    void rmdir_purgesTheDirectory_andDropsTheParentsLink() throws Exception {
      InodeId d = mkdir(work, "d").id();
      touch(d, "x");
      assertError(FsError.NOT_EMPTY, () -> store.unlink(work, n("d"), true, later(), d));
      store.unlink(d, n("x"), false, later(), inodeOf(d, "x"));
      UnlinkResult r = store.unlink(work, n("d"), true, later(), d);
      assertThat(r.purged()).isTrue();
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(d));
      assertThat(store.getAttributes(work).nlink()).isEqualTo(2);
      assertThat(store.orphans()).doesNotContain(d);
    }
  }

  /**
   * {@code createEntry} and {@code unlink(..., purgeIfOrphan)} report the directory's attributes as their
   * transaction left them, exactly what {@code getAttributes} reads after it (core caches them in its place).
   */
  @Nested
  class DirectoryReports {
    @Test
    void createEntry_reportsTheDirectoryAsStored_forFilesAndDirectories() throws Exception {
      Instant t = later();
      CreateResult file = store.createEntry(work, n("f"), fileSpec(t));
      assertThat(file.created()).isEqualTo(store.getAttributes(file.created().id()));
      assertReported(file.parent(), work);
      assertThat(file.parent().size()).isEqualTo(1);
      assertThat(file.parent().mtime()).isEqualTo(t);
      assertThat(file.parent().ctime()).isEqualTo(t);

      CreateResult dir = store.createEntry(work, n("d"), dirSpec(later()));
      assertReported(dir.parent(), work);
      assertThat(dir.parent().nlink()).isEqualTo(3);
      assertThat(dir.parent().size()).isEqualTo(2);
    }

    @Test
    void create_neverReusesThePurgedNewestId() throws Exception {
      InodeId f = touch(work, "f").id();
      assertThat(store.unlink(work, n("f"), false, later(), f).purged()).isTrue();
      InodeId g = touch(work, "g").id();
      assertThat(g).isNotEqualTo(f);
      store.unlink(work, n("g"), false, later(), null);
      store.purge(g);
      assertThat(touch(work, "h").id()).isNotIn(f, g);
    }

    @Test
    void createEntry_ofATakenName_isEEXIST_andReportsNothing() throws Exception {
      touch(work, "f");
      InodeAttributes before = store.getAttributes(work);
      assertError(FsError.EXISTS, () -> store.createEntry(work, n("f"), fileSpec(later())));
      assertThat(store.getAttributes(work)).isEqualTo(before);
    }

    @Test
    void unlink_reportsTheDirectoryAsStored_withAndWithoutThePurge() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      InodeId d = mkdir(work, "d").id();
      Instant t = later();
      UnlinkResult purged = store.unlink(work, n("f"), false, t, f);
      assertReported(purged.parent(), work);
      assertThat(purged.parent().size()).isEqualTo(2);
      assertThat(purged.parent().mtime()).isEqualTo(t);

      UnlinkResult orphaned = store.unlink(work, n("g"), false, later(), null);
      assertReported(orphaned.parent(), work);
      assertThat(store.orphans()).contains(g);

      UnlinkResult rmdir = store.unlink(work, n("d"), true, later(), d);
      assertReported(rmdir.parent(), work);
      assertThat(rmdir.parent().nlink()).isEqualTo(2);
      assertThat(rmdir.parent().size()).isZero();
    }

    private void assertReported(InodeAttributes reported, InodeId dir) throws FsException {
      if (!reportsDirectoryAttributes()) {
        assertThat(reported).as("a store that does not report").isNull();
        return;
      }
      assertThat(reported).as("the directory as the transaction left it").isEqualTo(store.getAttributes(dir));
    }
  }

  @Nested
  class Xattrs {
    @Test
    void setGetListRemove_roundTrip_withBinaryValues() throws Exception {
      InodeId f = touch(work, "f").id();
      byte[] all = new byte[256];
      for (int i = 0; i < 256; i++) {
        all[i] = (byte) i;
      }
      Instant t = later();
      store.setXattr(f, "user.bin", all, XattrMode.EITHER, t);
      store.setXattr(f, "user.empty", new byte[0], XattrMode.CREATE, later());
      store.setXattr(f, "trusted.\u00fc", "v".getBytes(StandardCharsets.UTF_8), XattrMode.EITHER, later());
      assertThat(store.getXattr(f, "user.bin")).hasValueSatisfying(v -> assertThat(v).isEqualTo(all));
      assertThat(store.getXattr(f, "user.empty")).hasValueSatisfying(v -> assertThat(v).isEmpty());
      assertThat(store.getXattr(f, "user.none")).isEmpty();
      assertThat(store.listXattr(f)).containsExactlyInAnyOrder("user.bin", "user.empty", "trusted.\u00fc");
      Instant r = later();
      store.removeXattr(f, "user.bin", r);
      assertThat(store.getXattr(f, "user.bin")).isEmpty();
      assertThat(store.getAttributes(f).ctime()).isEqualTo(r);
      assertThat(store.listXattr(f)).containsExactlyInAnyOrder("user.empty", "trusted.\u00fc");
    }

    @Test
    void setXattr_setsCtime_andReplaces() throws Exception {
      InodeId f = touch(work, "f").id();
      Instant t = later();
      store.setXattr(f, "user.a", new byte[] {1}, XattrMode.EITHER, t);
      assertThat(store.getAttributes(f).ctime()).isEqualTo(t);
      store.setXattr(f, "user.a", new byte[] {2, 3}, XattrMode.REPLACE, later());
      assertThat(store.getXattr(f, "user.a")).hasValueSatisfying(v -> assertThat(v).containsExactly(2, 3));
      store.setXattr(f, "user.a", new byte[] {4}, XattrMode.EITHER, later());
      assertThat(store.getXattr(f, "user.a")).hasValueSatisfying(v -> assertThat(v).containsExactly(4));
    }

    @Test
    void create_ofExisting_isEEXIST_replace_ofMissing_isENODATA_remove_ofMissing_isENODATA() throws Exception {
      InodeId f = touch(work, "f").id();
      store.setXattr(f, "user.a", new byte[] {1}, XattrMode.CREATE, later());
      assertError(FsError.EXISTS, () -> store.setXattr(f, "user.a", new byte[] {2}, XattrMode.CREATE, later()));
      assertError(FsError.NO_DATA, () -> store.setXattr(f, "user.b", new byte[] {2}, XattrMode.REPLACE, later()));
      assertError(FsError.NO_DATA, () -> store.removeXattr(f, "user.b", later()));
      assertThat(store.getXattr(f, "user.a")).hasValueSatisfying(v -> assertThat(v).containsExactly(1));
      assertThat(store.listXattr(f)).containsExactly("user.a");
    }

    @Test
    void xattrNamesAreCaseSensitive_andPerInode() throws Exception {
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      store.setXattr(f, "user.a", new byte[] {1}, XattrMode.EITHER, later());
      store.setXattr(f, "user.A", new byte[] {2}, XattrMode.EITHER, later());
      assertThat(store.listXattr(f)).containsExactlyInAnyOrder("user.a", "user.A");
      assertThat(store.listXattr(g)).isEmpty();
      assertThat(store.getXattr(g, "user.a")).isEmpty();
    }

    @Test
    void xattrsOnDirectoriesAndLargeValues() throws Exception {
      byte[] big = new byte[60_000];
      new Random(1).nextBytes(big);
      store.setXattr(work, "user.big", big, XattrMode.EITHER, later());
      assertThat(store.getXattr(work, "user.big")).hasValueSatisfying(v -> assertThat(v).isEqualTo(big));
    }

    @Test
    void xattrsOfMissingInode_areENOENT() {
      InodeId missing = InodeId.of(Long.MAX_VALUE / 2);
      assertError(FsError.NOT_FOUND, () -> store.setXattr(missing, "user.a", new byte[] {1}, XattrMode.EITHER, later()));
      assertError(FsError.NOT_FOUND, () -> store.getXattr(missing, "user.a"));
      assertError(FsError.NOT_FOUND, () -> store.listXattr(missing));
      assertError(FsError.NOT_FOUND, () -> store.removeXattr(missing, "user.a", later()));
    }
  }

  @Nested
  class Journal {
    @Test
    void append_assignsIncreasingIds_andListsByOwnerOldestFirst() throws Exception {
      InodeId f = touch(work, "f").id();
      Instant t = later();
      byte[] payload = {0, (byte) 0xff, 7, 0};
      JournalEntry a = store.journalAppend(new JournalEntry(0, f, owner(), 3, payload, t));
      JournalEntry b = store.journalAppend(new JournalEntry(0, f, owner(), 4, new byte[] {9}, later()));
      JournalEntry other = store.journalAppend(new JournalEntry(0, f, owner() + "-other", 1, new byte[] {1}, later()));
      assertThat(a.id()).isPositive();
      assertThat(b.id()).isGreaterThan(a.id());
      List<JournalEntry> mine = store.journal(owner());
      assertThat(mine).extracting(JournalEntry::id).containsExactly(a.id(), b.id());
      JournalEntry read = mine.get(0);
      assertThat(read.inode()).isEqualTo(f);
      assertThat(read.owner()).isEqualTo(owner());
      assertThat(read.baseVersion()).isEqualTo(3);
      assertThat(read.payload()).isEqualTo(payload);
      assertThat(read.created()).isEqualTo(t);
      assertThat(store.journal(owner() + "-other")).extracting(JournalEntry::id).containsExactly(other.id());
    }

    @Test
    void remove_isIdempotent() throws Exception {
      InodeId f = touch(work, "f").id();
      JournalEntry a = store.journalAppend(new JournalEntry(0, f, owner(), 0, new byte[] {1}, later()));
      store.journalRemove(a.id());
      store.journalRemove(a.id());
      store.journalRemove(Long.MAX_VALUE / 2);
      assertThat(store.journal(owner())).isEmpty();
    }

    @Test
    void unknownOwner_hasNoEntries() throws Exception {
      assertThat(store.journal(owner() + "-nobody")).isEmpty();
    }
  }

  @Nested
  class Stats {
    @Test
    void stats_countInodesAndFileBytes() throws Exception {
      StoreStats before = store.stats();
      InodeId f = touch(work, "f").id();
      InodeId g = touch(work, "g").id();
      mkdir(work, "d");
      commit(f, 1000, Long.MAX_VALUE, List.of(chunk(0, blob("s1"), 1000)));
      commit(g, 234, Long.MAX_VALUE, List.of(chunk(0, blob("s2"), 234)));
      StoreStats after = store.stats();
      assertThat(after.inodes() - before.inodes()).isEqualTo(3);
      assertThat(after.bytes() - before.bytes()).isEqualTo(1234);
      store.unlink(work, n("f"), false, later());
      store.purge(f);
      StoreStats purged = store.stats();
      assertThat(after.inodes() - purged.inodes()).isEqualTo(1);
      assertThat(after.bytes() - purged.bytes()).isEqualTo(1000);
    }
  }

  @Nested
  class Concurrency {
    private <T> List<Future<T>> runAll(int threads, List<Callable<T>> tasks) throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        return pool.invokeAll(tasks, 100, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    void parallelCreatesOfOneName_exactlyOneWins() throws Exception {
      int threads = 8;
      for (int round = 0; round < 10; round++) {
        String name = "race" + round;
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<FsError>> tasks = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
          boolean dir = i % 2 == 0;
          tasks.add(() -> {
            start.await();
            try {
              store.create(work, n(name), dir ? dirSpec(T0) : fileSpec(T0));
              return null;
            } catch (FsException e) {
              return e.error();
            }
          });
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<FsError>> results = new ArrayList<>();
        try {
          for (Callable<FsError> t : tasks) {
            results.add(pool.submit(t));
          }
          start.countDown();
          int wins = 0;
          for (Future<FsError> r : results) {
            FsError e = r.get(100, TimeUnit.SECONDS);
            if (e == null) {
              wins++;
            } else {
              assertThat(e).isEqualTo(FsError.EXISTS);
            }
          }
          assertThat(wins).as("round %d", round).isEqualTo(1);
        } finally {
          pool.shutdownNow();
        }
      }
      assertThat(names(work)).hasSize(10);
      assertDirectoryConsistent(work);
    }

    @Test
    void parallelRenames_loseAndDuplicateNothing_andKeepLinkCounts() throws Exception {
      InodeId a = mkdir(work, "a").id();
      InodeId b = mkdir(work, "b").id();
      InodeId[] dirs = {a, b};
      int files = 20;
      Set<InodeId> inodes = new HashSet<>();
      for (int i = 0; i < files; i++) {
        inodes.add(touch(i % 2 == 0 ? a : b, "f" + i).id());
      }
      for (int i = 0; i < 4; i++) {
        mkdir(i % 2 == 0 ? a : b, "d" + i);
      }
      AtomicInteger renamed = new AtomicInteger();
      List<Callable<Void>> tasks = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        long seed = t;
        tasks.add(() -> {
          Random rnd = new Random(seed);
          for (int i = 0; i < 40; i++) {
            InodeId from = dirs[rnd.nextInt(2)];
            InodeId to = dirs[rnd.nextInt(2)];
            boolean dir = rnd.nextInt(5) == 0;
            String src = dir ? "d" + rnd.nextInt(4) : "f" + rnd.nextInt(files);
            RenameFlags flags = rnd.nextInt(4) == 0 ? RenameFlags.EXCHANGE : RenameFlags.NOREPLACE;
            String dst = flags == RenameFlags.EXCHANGE
                ? (dir ? "d" + rnd.nextInt(4) : "f" + rnd.nextInt(files)) : src;
            try {
              store.rename(from, n(src), to, n(dst), flags, later());
              renamed.incrementAndGet();
            } catch (FsException e) {
              assertThat(e.error()).isIn(FsError.NOT_FOUND, FsError.EXISTS);
            }
          }
          return null;
        });
      }
      for (Future<Void> f : runAll(6, tasks)) {
        f.get();
      }
      assertThat(renamed.get()).isPositive();
      List<DirEntry> all = new ArrayList<>(list(a));
      all.addAll(list(b));
      assertThat(all).hasSize(files + 4);
      assertThat(all.stream().filter(e -> e.type() == InodeType.FILE).map(DirEntry::inode).toList())
          .containsExactlyInAnyOrderElementsOf(inodes);
      for (InodeId f : inodes) {
        assertThat(store.getAttributes(f).nlink()).isEqualTo(1);
      }
      assertDirectoryConsistent(a);
      assertDirectoryConsistent(b);
      assertDirectoryConsistent(work);
    }

    @Test
    void crossedDirectoryRenames_neverBuildACycle() throws Exception {
      for (int round = 0; round < 10; round++) {
        InodeId top = mkdir(work, "top" + round).id();
        InodeId x = mkdir(top, "x").id();
        InodeId y = mkdir(top, "y").id();
        InodeId xs = mkdir(x, "sub").id();
        InodeId ys = mkdir(y, "sub").id();
        CountDownLatch start = new CountDownLatch(1);
        List<Callable<FsError>> tasks = List.of(
            () -> {
              start.await();
              try {
                store.rename(top, n("x"), ys, n("x"), RenameFlags.NONE, later());
                return null;
              } catch (FsException e) {
                return e.error();
              }
            },
            () -> {
              start.await();
              try {
                store.rename(top, n("y"), xs, n("y"), RenameFlags.NONE, later());
                return null;
              } catch (FsException e) {
                return e.error();
              }
            });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<FsError>> results = new ArrayList<>();
        try {
          for (Callable<FsError> t : tasks) {
            results.add(pool.submit(t));
          }
          start.countDown();
          int ok = 0;
          for (Future<FsError> r : results) {
            FsError e = r.get(100, TimeUnit.SECONDS);
            if (e == null) {
              ok++;
            } else {
              assertThat(e).isIn(FsError.INVALID, FsError.NOT_FOUND);
            }
          }
          assertThat(ok).isEqualTo(1);
        } finally {
          pool.shutdownNow();
        }
        for (InodeId d : List.of(x, y, xs, ys)) {
          assertReachesRoot(d);
        }
        assertDirectoryConsistent(top);
      }
    }

    private void assertReachesRoot(InodeId dir) throws FsException {
      InodeId at = dir;
      for (int i = 0; i < 100; i++) {
        if (at.equals(InodeId.ROOT)) {
          return;
        }
        InodeId here = at;
        InodeId up = store.parentOf(here);
        Optional<DirEntry> named = list(up).stream().filter(e -> e.inode().equals(here)).findFirst();
        assertThat(named).as("%s is listed in its parent %s", here, up).isPresent();
        at = up;
      }
      throw new AssertionError(dir + " does not reach the root: a cycle");
    }
  }
}
