package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.spi.NewInode;
import org.truckeefs.testkit.FakeTicker;

/**
 * {@link Namespace} alone over the in-memory store: what it asks of the rest of the filesystem (purges, change
 * events, the namespace listener) and the open rules. The POSIX behaviour through RiverFS is {@link NamespaceTest}.
 */
class NamespaceRulesTest {
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  static final Caller ALICE = Caller.of(1000, 1000);
  static final Caller BOB = Caller.of(1001, 1001);

  final FakeTicker ticker = new FakeTicker();
  final InMemoryMetadataStore store = new InMemoryMetadataStore(Clock.systemUTC());
  final List<String> removals = new CopyOnWriteArrayList<>();
  final List<FsChange> published = new CopyOnWriteArrayList<>();
  final List<String> events = new CopyOnWriteArrayList<>();
  /** Inodes the removal lets the unlink purge in its own transaction (nobody has them open). */
  final Set<InodeId> claimable = ConcurrentHashMap.newKeySet();
  Namespace ns;
  InodeId root;

  @BeforeEach
  void setUp() throws Exception {
    root = store.initRoot(new NewInode(InodeType.DIRECTORY, 01777, 0, 0, 0, T, null)).id();
    CachedMetadataStore meta = new CachedMetadataStore(store, Duration.ofSeconds(1), ticker);
    ns = new Namespace(meta, new OpenFiles(), c -> published.addAll(List.of(c)), new Namespace.Removal() {
      @Override
      public void purgeDirectory(InodeId id) {
        removals.add("dir " + id.value());
      }

      @Override
      public void purgeIfClosed(InodeId id) {
        removals.add("file " + id.value());
      }

      @Override
      public CountDownLatch claimForPurge(InodeId id) {
        if (!claimable.contains(id)) {
          return null;
        }
        removals.add("claim " + id.value());
        return new CountDownLatch(1);
      }

      @Override
      public void endClaim(InodeId id, CountDownLatch claim) {
        removals.add("end " + id.value());
      }
    }, Clock.systemUTC(), ticker);
    ns.setEvents(new NamespaceEvents() {
      @Override
      public void created(InodeId parent, Name name, InodeAttributes inode) {
        events.add("created " + name);
      }

      @Override
      public void removed(InodeId parent, Name name, InodeAttributes inode) {
        events.add("removed " + name);
      }

      @Override
      public void renamed(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags) {
        events.add("renamed " + name + " " + newName);
      }

      @Override
      public void purged(InodeId inode) {
        events.add("purged " + inode.value());
      }
    });
  }

  static Name n(String s) throws FsException {
    return Name.of(s);
  }

  static void assertError(FsError e, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(FsException.class, x -> assertThat(x.error()).isEqualTo(e));
  }

  InodeAttributes file(Caller c, String name) throws FsException {
    return ns.createOrFind(c, root, n(name), 0644, OpenFlags.WRITE).created();
  }

  @Nested
  class Removals {
    @Test
    void rmdir_purgesTheDirectoryInItsOwnTransaction() throws Exception {
      InodeAttributes d = ns.mkdir(ALICE, root, n("d"), 0755);
      ns.rmdir(ALICE, root, n("d"));
      assertThat(removals).isEmpty();
      assertThat(events).containsExactly("created d", "removed d", "purged " + d.id().value());
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(d.id()));
    }

    @Test
    void unlinkOfAClaimedFile_purgesItInTheSameTransaction_andEndsTheClaim() throws Exception {
      InodeAttributes f = file(ALICE, "f");
      claimable.add(f.id());
      ns.unlink(ALICE, root, n("f"));
      assertThat(removals).containsExactly("claim " + f.id().value(), "end " + f.id().value());
      assertThat(events).containsExactly("created f", "removed f", "purged " + f.id().value());
      assertError(FsError.NOT_FOUND, () -> store.getAttributes(f.id()));
      assertThat(store.orphans()).doesNotContain(f.id());
    }

    @Test
    void aFailedUnlinkOfAClaimedFile_endsTheClaim() throws Exception {
      InodeAttributes f = file(ALICE, "f");
      claimable.add(f.id());
      store.unlink(root, n("f"), false, T); // behind the cache's back, as another host would
      store.create(root, n("f"), new NewInode(InodeType.DIRECTORY, 0755, 1000, 1000, 0, T, null));
      assertError(FsError.IS_DIRECTORY, () -> ns.unlink(ALICE, root, n("f")));
      assertThat(removals).containsExactly("claim " + f.id().value(), "end " + f.id().value());
    }

    @Test
    void unlinkThroughAStaleEntry_purgesOnlyTheInodeItChecked() throws Exception {
      InodeAttributes f = file(ALICE, "f");
      claimable.add(f.id());
      // another host replaced "f" meanwhile; this host's cache still names the old inode
      InodeAttributes g = store.create(root, n("g"), new NewInode(InodeType.FILE, 0644, 1000, 1000, 0, T, null));
      store.rename(root, n("g"), root, n("f"), RenameFlags.NONE, T);
      ns.unlink(ALICE, root, n("f"));
      assertThat(store.getAttributes(g.id()).nlink()).isZero(); // orphaned, not purged: nobody asked about it
      assertThat(removals).containsExactly("claim " + f.id().value(), "end " + f.id().value(),
          "file " + g.id().value());
    }

    @Test
    void unlinkOfTheLastName_asksForAPurgeUnlessOpen() throws Exception {
      InodeAttributes f = file(ALICE, "f");
      ns.unlink(ALICE, root, n("f"));
      assertThat(removals).containsExactly("file " + f.id().value());
    }

    @Test
    void unlinkOfOneOfTwoNames_purgesNothing() throws Exception {
      InodeAttributes f = file(ALICE, "f");
      ns.link(ALICE, f.id(), root, n("g"));
      ns.unlink(ALICE, root, n("f"));
      assertThat(removals).isEmpty();
      assertThat(ns.getattr(f.id()).nlink()).isEqualTo(1);
    }

    @Test
    void renameOverAFile_asksForThePurgeOfTheReplacedOne() throws Exception {
      file(ALICE, "a");
      InodeAttributes b = file(ALICE, "b");
      ns.rename(ALICE, root, n("a"), root, n("b"), RenameFlags.NONE);
      assertThat(removals).containsExactly("file " + b.id().value());
      assertThat(events).contains("renamed a b");
    }

    @Test
    void aRefusedUnlink_removesNothing() throws Exception {
      file(ALICE, "f");
      assertError(FsError.NOT_PERMITTED, () -> ns.unlink(BOB, root, n("f"))); // sticky root
      assertThat(removals).isEmpty();
      assertThat(events).containsExactly("created f");
    }
  }

  @Test
  void aChange_isPublishedForTheEntryAndItsParent() throws Exception {
    ns.mkdir(ALICE, root, n("d"), 0755);
    assertThat(published).contains(new FsChange.Entry(root, n("d"), false), new FsChange.Attributes(root, false));
  }

  @Test
  void createOrFind_findsTheExistingName_exclusiveIsEEXIST() throws Exception {
    InodeAttributes f = file(ALICE, "f");
    assertThat(ns.createOrFind(BOB, root, n("f"), 0644, OpenFlags.WRITE).existing()).isEqualTo(f.id());
    assertError(FsError.EXISTS, () -> ns.createOrFind(BOB, root, n("f"), 0644,
        OpenFlags.of(OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL)));
  }

  @Test
  void searchPermission_isCheckedOnEveryLookup_andAChmodThroughHereShowsAtOnce() throws Exception {
    InodeAttributes d = ns.mkdir(ALICE, root, n("d"), 0700);
    ns.mkdir(ALICE, d.id(), n("e"), 0755);
    assertError(FsError.ACCESS_DENIED, () -> ns.lookup(BOB, d.id(), n("e")));
    store.setAttributes(d.id(), new org.truckeefs.spi.AttrUpdate(0755, null, null, null, null, T));
    ns.changed(d.id());
    assertThat(ns.lookup(BOB, d.id(), n("e")).isDirectory()).isTrue();
  }

  @Nested
  class OpenRules {
    final InodeAttributes dir = new InodeAttributes(InodeId.of(9), InodeType.DIRECTORY, 0755, 1000, 1000, 0, 2, 0,
        T, T, T, T, 0);
    final InodeAttributes link = new InodeAttributes(InodeId.of(10), InodeType.SYMLINK, 0777, 1000, 1000, 1, 1, 0,
        T, T, T, T, 0);
    final InodeAttributes fifo = new InodeAttributes(InodeId.of(11), InodeType.FIFO, 0666, 1000, 1000, 0, 1, 0,
        T, T, T, T, 0);
    final InodeAttributes readOnly = new InodeAttributes(InodeId.of(12), InodeType.FILE, 0444, 1000, 1000, 0, 1, 0,
        T, T, T, T, 0);

    @Test
    void aDirectory_opensForReadingOnly() throws Exception {
      assertThat(Namespace.checkOpen(ALICE, dir, OpenFlags.READ)).isFalse();
      assertError(FsError.IS_DIRECTORY, () -> Namespace.checkOpen(ALICE, dir, OpenFlags.WRITE));
    }

    @Test
    void aSymlinkIsELOOP_aSpecialFileHasNoData() {
      assertError(FsError.LOOP, () -> Namespace.checkOpen(ALICE, link, OpenFlags.READ));
      assertError(FsError.NOT_SUPPORTED, () -> Namespace.checkOpen(ALICE, fifo, OpenFlags.READ));
    }

    @Test
    void aFile_needsThePermissionsTheFlagsAsk() throws Exception {
      assertThat(Namespace.checkOpen(BOB, readOnly, OpenFlags.READ)).isTrue();
      assertError(FsError.ACCESS_DENIED, () -> Namespace.checkOpen(BOB, readOnly, OpenFlags.WRITE));
      assertError(FsError.ACCESS_DENIED,
          () -> Namespace.checkOpen(BOB, readOnly, OpenFlags.of(OpenFlags.O_RDONLY | OpenFlags.O_TRUNC)));
    }
  }
}
