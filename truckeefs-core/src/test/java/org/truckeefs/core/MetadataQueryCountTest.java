package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.truckeefs.core.TestFs.ROOT;
import static org.truckeefs.core.TestFs.n;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;
import org.truckeefs.testkit.FakeTicker;

/** What the namespace costs in metadata store calls (each one a query, on SQLite or MariaDB a round trip). */
class MetadataQueryCountTest {
  private static final Caller ALICE = Caller.of(1000, 1000);
  @TempDir Path tmp;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final FakeTicker ticker = new FakeTicker();
  /** Only the calls an operation makes on its caller's thread: daemons and background uploads are not counted. */
  private final Thread testThread = Thread.currentThread();
  private RiverFS fs;
  private MetadataStore meta;
  /** What the counted store answers to singleWriter() (the in-memory store commits in parallel). */
  private boolean singleWriter;

  @BeforeEach
  void setUp() throws Exception {
    fs = RiverFS.open(config()
        // the several-hosts window: these tests also count what its expiry costs (one host alone keeps 1 h)
        .metadataCacheTtl(RiverFsConfig.DEFAULT_METADATA_CACHE_TTL).build());
  }

  /** A filesystem on the counted store, one host by default (a private in-JVM coordinator). */
  private RiverFsConfig.Builder config() throws FsException {
    TestFs t = TestFs.local(tmp);
    MetadataStore counted = counted(new TestFs.Unclosable(t.meta));
    meta = counted;
    MetadataStoreProvider provider = new MetadataStoreProvider() {
      @Override
      public String scheme() {
        return "countingmeta";
      }

      @Override
      public MetadataStore create(URI uri, BackendConfig c, BackendContext ctx) {
        return counted;
      }
    };
    return t.config().backends(Backends.empty().register(provider)
            .register(TestFs.blobProvider(t.blobs)).register(new LocalCoordinatorProvider()))
        .metadataUri("countingmeta:").ticker(ticker);
  }

  @AfterEach
  void tearDown() throws Exception {
    fs.close();
  }

  private MetadataStore counted(MetadataStore target) {
    return (MetadataStore) Proxy.newProxyInstance(MetadataStore.class.getClassLoader(),
        new Class<?>[] {MetadataStore.class}, (p, m, args) -> {
          if (m.getName().equals("singleWriter")) {
            return singleWriter;
          }
          if (Thread.currentThread() == testThread) {
            calls.add(m.getName());
          }
          try {
            return m.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private InodeId dir(InodeId parent, String name, int mode) throws FsException {
    InodeAttributes a = fs.mkdir(ROOT, parent, n(name), mode);
    fs.setattr(ROOT, a.id(), SetAttr.chmod(mode), -1); // mkdir applies no umask here, but be explicit
    return a.id();
  }

  @Test
  void lookup_readsTheParentOnce_thenCostsTheEntryAndTheChildOnly() throws Exception {
    InodeId d = dir(InodeId.ROOT, "d", 0755);
    fs.mkdir(ROOT, d, n("a"), 0755);
    fs.mkdir(ROOT, d, n("b"), 0755);
    calls.clear();
    fs.lookup(ALICE, d, n("a"));
    fs.lookup(ALICE, d, n("b"));
    assertThat(calls).as("what this host created, and its parent's permissions, are known").isEmpty();
    ticker.advance(Namespace.SEARCH_CACHE_TTL.plusMillis(1));
    calls.clear();
    fs.lookup(ALICE, d, n("a"));
    assertThat(calls).containsExactly("getAttributes", "lookupAttributes"); // expired like attr_timeout
    calls.clear();
    fs.lookup(ALICE, d, n("b"));
    assertThat(calls).containsExactly("lookupAttributes"); // the parent's search permission is known
  }

  @Test
  void chmodThroughThisFs_takesEffectOnTheNextLookup() throws Exception {
    InodeId d = dir(InodeId.ROOT, "d", 0755);
    fs.mkdir(ROOT, d, n("a"), 0755);
    fs.lookup(ALICE, d, n("a"));
    fs.setattr(ROOT, d, SetAttr.chmod(0700), -1);
    assertThatThrownBy(() -> fs.lookup(ALICE, d, n("a")))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.ACCESS_DENIED));
    fs.setattr(ROOT, d, SetAttr.chmod(0711), -1);
    assertThat(fs.lookup(ALICE, d, n("a")).isDirectory()).isTrue();
    fs.setattr(ROOT, d, SetAttr.chown(2000, 2000), -1);
    fs.setattr(ROOT, d, SetAttr.chmod(0700), -1);
    assertThatThrownBy(() -> fs.lookup(ALICE, d, n("a"))).isInstanceOf(FsException.class);
  }

  @Test
  void aRemovedOrReplacedDirectory_isNotSearchedThroughAStaleAnswer() throws Exception {
    InodeId d = dir(InodeId.ROOT, "d", 0755);
    assertThatThrownBy(() -> fs.lookup(ALICE, d, n("x")))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
    fs.rmdir(ROOT, InodeId.ROOT, n("d"));
    assertThatThrownBy(() -> fs.lookup(ALICE, d, n("x")))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
  }

  @Test
  void dotAndDotDot_areAnsweredFromTheStore() throws Exception {
    InodeId d = dir(InodeId.ROOT, "d", 0755);
    assertThatThrownBy(() -> fs.lookup(ALICE, d, n("x"))).isInstanceOf(FsException.class); // warms the cache
    calls.clear();
    InodeAttributes dot = fs.lookup(ALICE, d, n("."));
    assertThat(dot.id()).isEqualTo(d);
    assertThat(calls).containsExactly("getAttributes");
  }

  @Test
  void securityLabelsCapabilitiesAndAcls_areNotSupported_withoutAStoreCall() throws Exception {
    long h = TestFs.createFile(fs, "f");
    InodeId f = TestFs.lookup(fs, "f").id();
    calls.clear();
    // ls -l asks every file for these two; EOPNOTSUPP makes it stop asking the device after the first
    for (String name : List.of("security.selinux", "security.capability", "system.posix_acl_access",
        "system.posix_acl_default")) {
      assertNotSupported(() -> fs.getxattr(ROOT, f, name));
      assertNotSupported(() -> fs.getxattr(ALICE, f, name));
      assertNotSupported(() -> fs.setxattr(ROOT, f, name, new byte[] {2, 0, 0, 0}, org.truckeefs.api.XattrMode.EITHER));
      assertNotSupported(() -> fs.removexattr(ROOT, f, name));
    }
    assertThat(calls).isEmpty();
    fs.setxattr(ROOT, f, "user.x", new byte[] {1}, org.truckeefs.api.XattrMode.EITHER);
    fs.setxattr(ROOT, f, "trusted.x", new byte[] {2}, org.truckeefs.api.XattrMode.EITHER);
    assertThat(fs.getxattr(ALICE, f, "user.x")).containsExactly(1);
    assertThat(fs.getxattr(ROOT, f, "trusted.x")).containsExactly(2);
    assertThat(fs.listxattr(ROOT, f)).containsExactlyInAnyOrder("user.x", "trusted.x");
    assertThat(fs.listxattr(ALICE, f)).containsExactly("user.x");
    fs.release(h);
  }

  @Test
  void securityAndSystemNamesAlreadyInTheStore_areNeverListed() throws Exception {
    TestFs.createFile(fs, "f");
    InodeId f = TestFs.lookup(fs, "f").id();
    // as written by a version that stored them (behind this host's cache: its answers expire first)
    meta.setXattr(f, "security.selinux", new byte[] {1}, org.truckeefs.api.XattrMode.EITHER, java.time.Instant.now());
    meta.setXattr(f, "user.y", new byte[] {1}, org.truckeefs.api.XattrMode.EITHER, java.time.Instant.now());
    ticker.advance(Duration.ofSeconds(2));
    assertThat(fs.listxattr(ROOT, f)).containsExactly("user.y");
    assertNotSupported(() -> fs.getxattr(ROOT, f, "security.selinux"));
  }

  @Test
  void trustedXattrProbeOfAnOpenFile_costsNoStoreCall_onceKnownAbsent() throws Exception {
    long h = TestFs.createFile(fs, "f");
    InodeId f = TestFs.lookup(fs, "f").id();
    calls.clear();
    assertNoData(() -> fs.getxattr(ROOT, f, "trusted.t"));
    assertThat(calls).as("a file this host created has no xattrs yet").isEmpty();
    ticker.advance(Duration.ofSeconds(2));
    assertNoData(() -> fs.getxattr(ROOT, f, "trusted.t"));
    // the store answers ENOENT itself, so no getAttributes first; one listing tells the metadata cache "no xattrs"
    assertThat(calls).containsExactly("listXattr");
    calls.clear();
    for (int i = 0; i < 3; i++) {
      assertNoData(() -> fs.getxattr(ROOT, f, "trusted.t"));
      assertNoData(() -> fs.getxattr(ALICE, f, "trusted.t"));
    }
    assertThat(calls).isEmpty();
    fs.release(h);
  }

  @Test
  void setxattrThroughThisFs_isSeenAtOnce_andAClosedFileStillReportsItsExistence() throws Exception {
    long h = TestFs.createFile(fs, "f");
    InodeId f = TestFs.lookup(fs, "f").id();
    assertNoData(() -> fs.getxattr(ROOT, f, "trusted.t"));
    assertNoData(() -> fs.getxattr(ROOT, f, "user.x"));
    fs.setxattr(ROOT, f, "trusted.t", new byte[] {1}, org.truckeefs.api.XattrMode.EITHER);
    fs.setxattr(ROOT, f, "user.x", new byte[] {2}, org.truckeefs.api.XattrMode.EITHER);
    assertThat(fs.getxattr(ROOT, f, "trusted.t")).containsExactly(1);
    assertThat(fs.getxattr(ROOT, f, "user.x")).containsExactly(2);
    fs.removexattr(ROOT, f, "trusted.t");
    assertNoData(() -> fs.getxattr(ROOT, f, "trusted.t"));
    fs.release(h);
    fs.syncAll();
    fs.unlink(ROOT, InodeId.ROOT, n("f"));
    assertThatThrownBy(() -> fs.getxattr(ROOT, f, "trusted.t"))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
  }

  private static void assertNotSupported(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_SUPPORTED));
  }

  private static void assertNoData(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NO_DATA));
  }

  @Test
  void createAndClose_ofAnEmptyFile_costNoReadBackOfWhatCreateReturned_andNoJournal() throws Exception {
    calls.clear();
    long h = TestFs.createFile(fs, "f");
    // the parent's permissions (then known), and create checks the name itself: was + lookup, getAttributes, chunks
    assertThat(calls).containsExactly("getAttributes", "createEntry");
    calls.clear();
    h = TestFs.createFile(fs, "f2");
    assertThat(calls).containsExactly("createEntry");
    calls.clear();
    fs.release(h);
    assertThat(calls).as("one host knows whether it unlinked the file; nothing to journal").isEmpty();
    calls.clear();
    h = TestFs.createFile(fs, "g");
    TestFs.write(fs, h, 0, new byte[100]);
    fs.release(h);
    fs.syncAll();
    assertThat(TestFs.read(fs, fs.open(ROOT, TestFs.lookup(fs, "g").id(),
        org.truckeefs.api.OpenFlags.READ).handle(), 0, 200)).hasSize(100);
  }

  /** A file written, closed and committed, which has left the open-file table. */
  private InodeId closedFile(String name, byte[] data) throws Exception {
    long h = TestFs.createFile(fs, name);
    TestFs.write(fs, h, 0, data);
    fs.release(h);
    fs.syncAll();
    // committed, so it leaves the table (the background drain that release started may be the one that drops it)
    await().until(() -> fs.status().openFiles() == 0);
    return TestFs.lookup(fs, name).id();
  }

  /**
   * Opening a closed file again (cat, a build reading its sources) costs the only host no store call: the
   * attributes are the exact cache's, the chunk map the one the file had when it left the open-file table.
   */
  @Test
  void reopeningAClosedFile_onTheOnlyHost_readsNothingFromTheStore() throws Exception {
    byte[] data = TestFs.pattern(3 * TestFs.CHUNK + 100, 7);
    InodeId id = closedFile("r", data);
    for (int round = 0; round < 2; round++) {
      calls.clear();
      long r = fs.open(ROOT, id, OpenFlags.READ).handle();
      assertThat(TestFs.read(fs, r, 0, data.length + 10)).isEqualTo(data);
      fs.release(r);
      assertThat(calls).as("open, read and close, round " + round).isEmpty();
    }
  }

  /**
   * With several hosts an open still reads the attributes (close-to-open must see another host's commit), but the
   * chunk map of an unchanged version comes from memory.
   */
  @Test
  void reopeningAClosedFile_withSeveralHosts_readsTheAttributesButNotTheChunkMap() throws Exception {
    fs.close();
    fs = RiverFS.open(config().coordinatorUri("local://mq-" + java.util.UUID.randomUUID())
        .dataDir(tmp.resolve("many-data")).cacheDir(tmp.resolve("many-cache")).build());
    byte[] data = TestFs.pattern(TestFs.CHUNK + 1, 3);
    InodeId id = closedFile("r", data);
    calls.clear();
    long r = fs.open(ROOT, id, OpenFlags.READ).handle();
    assertThat(TestFs.read(fs, r, 0, data.length)).isEqualTo(data);
    fs.release(r);
    assertThat(calls).contains("getAttributes").doesNotContain("chunks");
  }

  @Test
  void closeOfAWrittenFile_journalsInTheCacheDirectory_withoutAStoreWrite() throws Exception {
    long h = TestFs.createFile(fs, "written");
    TestFs.write(fs, h, 0, new byte[100]);
    calls.clear();
    fs.release(h); // the upload and its commit run on the upload pool, not here
    assertThat(calls).doesNotContain("journalAppend", "commitContent", "commitContents", "setAttributes", "sync");
    fs.syncAll();
    assertThat(fs.journaledUploads()).isZero();
  }

  /**
   * The kernel asks for the directory's attributes after every create and unlink (default_permissions): the
   * store's transaction reported them, so the answer costs no store call and is what the store now holds.
   */
  @Test
  void createAndUnlink_leaveTheDirectorysNewAttributesCached() throws Exception {
    InodeId d = dir(InodeId.ROOT, "d", 0777);
    InodeAttributes before = fs.getattr(d);
    OpenResult o = fs.create(ALICE, d, n("f"), 0644, OpenFlags.READ_WRITE);
    calls.clear();
    InodeAttributes afterCreate = fs.getattr(d);
    assertThat(calls).as("the directory after a create").isEmpty();
    assertThat(afterCreate).isEqualTo(meta.getAttributes(d));
    assertThat(afterCreate.size()).isEqualTo(before.size() + 1);
    fs.release(o.handle());

    fs.mkdir(ALICE, d, n("sub"), 0755);
    calls.clear();
    InodeAttributes afterMkdir = fs.getattr(d);
    assertThat(calls).as("the directory after a mkdir").isEmpty();
    assertThat(afterMkdir).isEqualTo(meta.getAttributes(d));
    assertThat(afterMkdir.nlink()).isEqualTo(before.nlink() + 1);

    fs.unlink(ALICE, d, n("f"));
    fs.rmdir(ALICE, d, n("sub"));
    calls.clear();
    InodeAttributes afterRemoves = fs.getattr(d);
    assertThatThrownBy(() -> fs.lookup(ALICE, d, n("f"))).isInstanceOf(FsException.class);
    assertThat(calls).as("the directory and the removed name after unlink and rmdir").isEmpty();
    assertThat(afterRemoves).isEqualTo(meta.getAttributes(d));
    assertThat(afterRemoves.size()).isEqualTo(before.size());
    assertThat(afterRemoves.nlink()).isEqualTo(before.nlink());
  }

  /** The kernel's SETATTR of ctime right after an unlink (writeback cache) names the purged inode: no store call. */
  @Test
  void anInodeThisHostPurged_isENOENT_withoutAStoreCall() throws Exception {
    fs.release(TestFs.createFile(fs, "f"));
    InodeId f = TestFs.lookup(fs, "f").id();
    fs.unlink(ROOT, InodeId.ROOT, n("f"));
    calls.clear();
    assertThatThrownBy(() -> fs.getattr(f))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
    assertThatThrownBy(() -> fs.setattr(ROOT, f, SetAttr.chmod(0600), -1))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
    assertThat(calls).isEmpty();
    ticker.advance(Duration.ofSeconds(2));
    assertThatThrownBy(() -> fs.getattr(f)).isInstanceOf(FsException.class);
    assertThat(calls).as("after the ttl the store answers").containsExactly("getAttributes");
  }

  @Test
  void unlink_readsTheVictimOnlyInAStickyDirectory() throws Exception {
    TestFs.createFile(fs, "f");
    calls.clear();
    fs.unlink(ROOT, InodeId.ROOT, n("f"));
    // the victim and the parent are known; the purge goes with the unlink (was getAttributes, lookup, unlink, purge)
    assertThat(calls).containsExactly("unlink");
    InodeId d = dir(InodeId.ROOT, "d", 0777);
    fs.mkdir(ROOT, d, n("sub"), 0755);
    assertThatThrownBy(() -> fs.unlink(ROOT, d, n("sub")))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IS_DIRECTORY));
    InodeId t = dir(InodeId.ROOT, "t", 01777);
    fs.create(ROOT, t, n("mine"), 0644, org.truckeefs.api.OpenFlags.READ_WRITE);
    assertThatThrownBy(() -> fs.unlink(ALICE, t, n("mine")))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_PERMITTED));
  }

  @Test
  void xattrReadsOfAMissingInode_areENOENT_withoutAnAttributeReadFirst() throws Exception {
    InodeId missing = InodeId.of(Long.MAX_VALUE / 2);
    calls.clear();
    for (String name : List.of("trusted.t", "user.a")) {
      assertThatThrownBy(() -> fs.getxattr(ROOT, missing, name))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
      assertThatThrownBy(() -> fs.getxattr(ALICE, missing, name))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
    }
    assertThatThrownBy(() -> fs.listxattr(ROOT, missing))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.NOT_FOUND));
    calls.clear();
    TestFs.createFile(fs, "f");
    InodeId f = TestFs.lookup(fs, "f").id();
    calls.clear();
    assertNoData(() -> fs.getxattr(ROOT, TestFs.lookup(fs, "f").id(), "trusted.t"));
    assertThat(fs.listxattr(ROOT, f)).isEmpty();
    // the lookup and the xattr answers come from the metadata cache: create told it the file has none
    assertThat(calls).isEmpty();
  }

  /**
   * The content commit of a small file is one store write: the store keeps ctime from going back (its contract), so
   * the commit reads no attributes before and writes none after.
   */
  @Test
  void fsyncOfAWrittenFile_costsTheCommitAndTheSyncOnly() throws Exception {
    assertThat(storeCallsOfFsync("small")).containsExactly("commitContent", "sync");
  }

  /** A store with a single writer (SQLite) gets uploads' commits gathered, through commitContents. */
  @Test
  void onASingleWriterStore_theCommitGoesThroughCommitContents() throws Exception {
    fs.close();
    singleWriter = true;
    fs = RiverFS.open(config().build());
    assertThat(storeCallsOfFsync("batched")).containsExactly("commitContents", "sync");
  }

  /** The store calls (on this thread) of the fsync of a new file with 100 bytes written. */
  private List<String> storeCallsOfFsync(String name) throws FsException {
    OpenResult o = fs.create(ROOT, InodeId.ROOT, n(name), 0644, OpenFlags.READ_WRITE);
    fs.write(o.handle(), 0, java.nio.ByteBuffer.wrap(new byte[100]));
    calls.clear();
    fs.fsync(o.handle(), false);
    List<String> made = List.copyOf(calls);
    fs.release(o.handle());
    return made;
  }

  @Test
  void fsync_endsWithAStoreSync_soTheCommitSurvivesAPowerLoss() throws Exception {
    OpenResult o = fs.create(ROOT, InodeId.ROOT, n("durable"), 0644, OpenFlags.READ_WRITE);
    fs.write(o.handle(), 0, java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
    calls.clear();
    fs.fsync(o.handle(), false);
    assertThat(calls).contains("commitContent").last().isEqualTo("sync");
    fs.release(o.handle());
  }

  /** The commit's result is cached: the close after it and a stat of the file ask the store nothing. */
  @Test
  void afterAContentCommit_closeAndStat_costNoStoreCall() throws Exception {
    OpenResult o = fs.create(ROOT, InodeId.ROOT, n("committed"), 0644, OpenFlags.READ_WRITE);
    fs.write(o.handle(), 0, java.nio.ByteBuffer.wrap(new byte[100]));
    fs.fsync(o.handle(), false);
    calls.clear();
    fs.release(o.handle());
    InodeAttributes a = fs.getattr(o.attributes().id());
    assertThat(calls).as("release (was the file unlinked?) and getattr").isEmpty();
    assertThat(a).isEqualTo(meta.getAttributes(o.attributes().id()));
    assertThat(a.size()).isEqualTo(100);
  }
}
